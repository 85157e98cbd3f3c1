// The CRI v1 services (runtime.v1.RuntimeService, runtime.v1.ImageService) as
// grpc-js service definitions, loaded from the api.proto of Kubernetes 1.26
// committed under proto/ (see proto/README.md).
import path from 'node:path';
import * as grpc from '@grpc/grpc-js';
import * as protoLoader from '@grpc/proto-loader';
import { REPO_ROOT } from '../util/paths';

export const PROTO_DIR = path.join(REPO_ROOT, 'src', 'cri', 'proto');
export const API_PROTO = 'k8s.io/cri-api/pkg/apis/runtime/v1/api.proto';

export interface CriServices {
  runtime: grpc.ServiceDefinition;
  image: grpc.ServiceDefinition;
  /** the package object, for clients (tests) */
  pkg: grpc.GrpcObject;
}

let loaded: CriServices | undefined;

/**
 * Field names as in the proto (snake_case), enums by name, 64-bit integers as
 * decimal strings (nanosecond times do not fit a double), defaults filled in.
 */
export const LOADER_OPTIONS: protoLoader.Options = {
  includeDirs: [PROTO_DIR],
  keepCase: true,
  longs: String,
  enums: String,
  defaults: true,
  oneofs: true,
};

export function criServices(): CriServices {
  if (loaded) return loaded;
  const def = protoLoader.loadSync(API_PROTO, LOADER_OPTIONS);
  const pkg = grpc.loadPackageDefinition(def);
  const v1 = (pkg.runtime as grpc.GrpcObject).v1 as grpc.GrpcObject;
  loaded = {
    runtime: (v1.RuntimeService as grpc.ServiceClientConstructor).service,
    image: (v1.ImageService as grpc.ServiceClientConstructor).service,
    pkg,
  };
  return loaded;
}
