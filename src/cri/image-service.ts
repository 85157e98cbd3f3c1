// runtime.v1.ImageService: requests in, CriImages calls, responses out.
import { isNotFound } from '../errdefs';
import type { CriImages } from './images';
import type { Handlers } from './grpc-server';
import { criNotFound, unknown } from './status';
import type { AuthConfig, ImageSpec } from './types';

/** The image a request names; none is containerd's "ambiguous digest string". */
const imageName = (spec: ImageSpec | null | undefined): string => {
  const name = spec?.image ?? '';
  if (!name) throw unknown(`can not resolve "${name}" locally: ambiguous digest string`);
  return name;
};

export function imageHandlers(images: CriImages): Handlers {
  return {
    async ListImages(req: { filter: { image: ImageSpec | null } | null }) {
      return { images: images.list(req.filter?.image?.image || undefined) };
    },
    async ImageStatus(req: { image: ImageSpec | null; verbose: boolean }) {
      return images.status(imageName(req.image), req.verbose);
    },
    async PullImage(req: { image: ImageSpec | null; auth: AuthConfig | null }) {
      const name = req.image?.image ?? '';
      try {
        return { image_ref: await images.pull(name, req.auth) };
      } catch (e) {
        // containerd's wording; "not found" keeps its code, anything else is Unknown
        const msg = `failed to pull and unpack image "${name}": ${(e as Error).message}`;
        throw isNotFound(e) ? criNotFound(msg) : unknown(msg);
      }
    },
    async RemoveImage(req: { image: ImageSpec | null }) {
      images.remove(imageName(req.image));
      return {};
    },
    async ImageFsInfo() {
      return { image_filesystems: [images.fsInfo()] };
    },
  };
}
