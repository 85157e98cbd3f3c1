// The in-memory fakes put together as an ImageStorage, for tests of the image
// service's rules without a store on disk. writeTx undoes the record changes of a
// callback that throws, as the database's transaction does.
import { FakeBlobs } from '../content/fake-blobs';
import type { Digest } from '../digest';
import { FakeImageRecords } from '../image/fake-records';
import { FakeLayers } from '../layer/fake-layers';
import type { ImageStorage } from './storage';

export class FakeStorage implements ImageStorage {
  readonly blobs = new FakeBlobs();
  readonly layers = new FakeLayers();
  readonly images = new FakeImageRecords(this.blobs);

  /** `containerTops`: top layers containers keep (the real store reads them from the container records). */
  constructor(private readonly containerTops: () => Iterable<Digest> = () => []) {}

  /** A nested call undoes only its own changes, as better-sqlite3's nested transactions (savepoints). */
  writeTx<T>(fn: () => T): T {
    const restore = [this.images.checkpoint(), this.layers.checkpoint()];
    try {
      return fn();
    } catch (e) {
      for (const r of restore) r();
      throw e;
    }
  }

  gc(): Digest[] {
    return this.layers.gc(() => {
      const tops = new Set<Digest>(this.containerTops());
      for (const img of this.images.list()) if (img.topLayer) tops.add(img.topLayer);
      return tops;
    });
  }
}
