// What the container service needs of the volume store: volumes found, made
// for mounts, and removed with their anonymous containers. VolumeStore (store.ts)
// keeps them in the metadata database; FakeVolumes (fake-volumes.ts) in memory.

export interface Volume {
  name: string;
  createdAt: string;
  labels: Record<string, string>;
  anonymous: boolean;
  mountpoint: string;
}

export interface Volumes {
  get(name: string): Volume | undefined;
  /** Creates a volume (a random name when none), or returns the existing one of that name. */
  create(name: string | undefined, opts?: { labels?: Record<string, string>; anonymous?: boolean }): Volume;
  /** Removes a volume unless a container uses it (`users` names them: `conflict`); `force`: a missing one too. */
  remove(name: string, users: string[], force?: boolean): void;
}
