// What an archive holds, from its manifest.json (Docker's and podman's layouts)
// or its index.json (OCI): each image's config, layers and names, every digest
// checked against the content it names.
import { hex, isDigest, sha256, type Digest } from '../digest';
import { hostArch } from '../image/config-json';
import { MEDIA, type ImageConfig, type Index, type Manifest } from '../oci/types';
import { parseNormalized, withDefaultTag, type Reference } from '../reference';
import { bad, memberName, type Member } from './members';

// Generic in what a layer member is: `load` unpacks layers, `image explain` only lists their entries.
export interface ImagePlan<M = Member> {
  configName: string;
  config: Buffer;
  parsed: ImageConfig;
  layers: Array<{ name: string; member: M; digest?: Digest }>;
  tags: Reference[];
}

// load keeps small members as MemberData (memory or a temporary file), explain as bytes
type AnyMember = { kind: string; bytes?: Buffer; data?: { bytes(): Buffer } };
export type Resolve<M extends AnyMember = Member> = (name: string) => M | undefined;

function dataMember(resolve: Resolve<AnyMember>, name: string, what: string): Buffer {
  const m = resolve(name);
  if (!m) throw bad(`${what} "${name}" is missing from the archive`);
  const bytes = m.kind === 'data' ? (m.data?.bytes() ?? m.bytes) : undefined;
  if (!bytes) throw bad(`${what} "${name}" is too large to be one`);
  return bytes;
}

// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters -- callers name the shape of the JSON they expect; the value is checked where it is used
function parseJson<T>(bytes: Buffer, what: string): T {
  try {
    return JSON.parse(bytes.toString('utf8')) as T;
  } catch (e) {
    throw bad(`${what} is not valid JSON: ${(e as Error).message}`);
  }
}

/** A config named after its digest must hash to it (Docker only trusts the content). */
function checkNamedDigest(name: string, bytes: Buffer, what: string): void {
  const m = /(?:^|\/)(?:sha256\/)?([a-f0-9]{64})(?:\.json)?$/.exec(name);
  if (!m) return;
  const got = sha256(bytes);
  if (hex(got) !== m[1]) throw bad(`${what} "${name}" does not match its digest: content hashes to ${got}`);
}

export function planDocker<M extends AnyMember = Member>(resolve: Resolve<M>): ImagePlan<M>[] {
  const entries = parseJson<Array<{ Config: string; RepoTags?: string[] | null; Layers: string[] }>>(
    dataMember(resolve, 'manifest.json', 'file'),
    'manifest.json',
  );
  if (!Array.isArray(entries)) throw bad('manifest.json is not a list of images');
  return entries.map((e) => {
    if (typeof e?.Config !== 'string' || !Array.isArray(e.Layers))
      throw bad('manifest.json entry without Config or Layers');
    const config = dataMember(resolve, e.Config, 'config');
    checkNamedDigest(e.Config, config, 'config');
    const layers = e.Layers.map((name) => {
      const member = resolve(name);
      if (!member) throw bad(`layer "${name}" listed in manifest.json is missing from the archive`);
      return { name, member };
    });
    const tags = (e.RepoTags ?? []).map((t) => withDefaultTag(parseNormalized(t)));
    return { configName: e.Config, config, parsed: parseJson<ImageConfig>(config, `config ${e.Config}`), layers, tags };
  });
}

function blobName(d: string): string {
  if (!isDigest(d)) throw bad(`unsupported digest "${d}"`);
  return `blobs/sha256/${hex(d)}`;
}

function blob(resolve: Resolve<AnyMember>, d: string, what: string): Buffer {
  const bytes = dataMember(resolve, blobName(d), what);
  if (sha256(bytes) !== d) throw bad(`${what} ${d} does not match its digest`);
  return bytes;
}

export function planOci<M extends AnyMember = Member>(resolve: Resolve<M>): ImagePlan<M>[] {
  const plans: ImagePlan<M>[] = [];
  const visit = (idx: Index, inherited?: Record<string, string>) => {
    for (const desc of idx.manifests ?? []) {
      const ann = { ...inherited, ...desc.annotations };
      if (desc.mediaType === MEDIA.ociIndex || desc.mediaType === MEDIA.dockerManifestList) {
        visit(parseJson<Index>(blob(resolve, desc.digest, 'index'), `index ${desc.digest}`), ann);
        continue;
      }
      if (desc.platform && (desc.platform.os !== 'linux' || desc.platform.architecture !== hostArch())) continue;
      const manifest = parseJson<Manifest>(blob(resolve, desc.digest, 'manifest'), `manifest ${desc.digest}`);
      if (!manifest.config?.digest || !Array.isArray(manifest.layers))
        throw bad(`manifest ${desc.digest} has no config or layers`);
      const config = blob(resolve, manifest.config.digest, 'config');
      const layers = manifest.layers.map((l) => {
        const member = resolve(blobName(l.digest));
        if (!member) throw bad(`layer blob ${l.digest} is missing from the archive`);
        return { name: blobName(l.digest), member, digest: l.digest };
      });
      const name = ann['io.containerd.image.name'] ?? ann['org.opencontainers.image.ref.name'];
      let tags: Reference[] = [];
      if (name) {
        try {
          tags = [withDefaultTag(parseNormalized(name))];
        } catch {
          tags = []; // a bare tag such as "latest" names no repository
        }
      }
      const existing = plans.find((p) => p.configName === manifest.config.digest);
      if (existing) existing.tags.push(...tags);
      else
        plans.push({
          configName: manifest.config.digest,
          config,
          parsed: parseJson<ImageConfig>(config, `config ${manifest.config.digest}`),
          layers,
          tags,
        });
    }
  };
  const index = parseJson<Index>(dataMember(resolve, 'index.json', 'file'), 'index.json');
  if (!Array.isArray(index.manifests)) throw bad('index.json has no manifests');
  visit(index);
  if (!plans.length) throw bad('index.json lists no image for this platform');
  return plans;
}

/**
 * The images of an archive's members: by manifest.json (Docker's layout) or
 * index.json (OCI's), each name found through the archive's symlinks (16 hops at most).
 */
export function planArchive<M extends AnyMember>(members: Map<string, M>, links: Map<string, string>): ImagePlan<M>[] {
  const resolve = (name: string): M | undefined => {
    let n = memberName(name);
    // eslint-disable-next-line @typescript-eslint/no-non-null-assertion -- links.has(n) is the loop condition
    for (let hops = 0; hops < 16 && !members.has(n) && links.has(n); hops++) n = links.get(n)!;
    return members.get(n);
  };
  if (members.has('manifest.json')) return planDocker(resolve);
  if (members.has('index.json')) return planOci(resolve);
  throw bad(
    members.size === 0
      ? 'the file is empty or not a tar archive'
      : 'it has neither manifest.json nor index.json: not a Docker or OCI image archive',
  );
}
