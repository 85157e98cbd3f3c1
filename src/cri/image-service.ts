// runtime.v1.ImageService: requests in, CriImages calls, responses out.
import { invalidArgument } from '../errdefs';
import type { CriImages } from './images';
import type { Handlers } from './grpc-server';
import type { AuthConfig, ImageSpec } from './types';

const imageName = (spec: ImageSpec | null | undefined, what: string): string => {
  const name = spec?.image ?? '';
  if (!name) throw invalidArgument(`${what}: no image name given`);
  return name;
};

export function imageHandlers(images: CriImages): Handlers {
  return {
    async ListImages(req: { filter: { image: ImageSpec | null } | null }) {
      return { images: images.list(req.filter?.image?.image || undefined) };
    },
    async ImageStatus(req: { image: ImageSpec | null; verbose: boolean }) {
      return images.status(imageName(req.image, 'ImageStatus'), req.verbose);
    },
    async PullImage(req: { image: ImageSpec | null; auth: AuthConfig | null }) {
      return { image_ref: await images.pull(imageName(req.image, 'PullImage'), req.auth) };
    },
    async RemoveImage(req: { image: ImageSpec | null }) {
      images.remove(imageName(req.image, 'RemoveImage'));
      return {};
    },
    async ImageFsInfo() {
      return { image_filesystems: [images.fsInfo()] };
    },
  };
}
