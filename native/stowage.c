// The few Linux system calls stowage needs that Node.js does not expose:
// mknod (overlayfs whiteouts are 0/0 character devices; layers carry device
// nodes and fifos), extended attributes (opaque directories, PAX xattrs),
// mount/umount2 (overlay root filesystems), and fd passing over unix sockets
// (runc's console socket), and a sha256 on libuv's thread pool that hashes the
// caller's buffers without copying them. No maintained npm package covers this
// set, so it is one small N-API addon with no dependencies beyond libc and the
// OpenSSL that Node.js itself carries.
#define _GNU_SOURCE
#include <node_api.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mount.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <sys/types.h>
#include <sys/un.h>
#include <sys/xattr.h>
#include <stdio.h>
#include <unistd.h>
#include <fcntl.h>
#include <limits.h>
#include <math.h>
#include <pthread.h>
// Node.js's own OpenSSL (its headers ship with Node's; the symbols resolve in the node binary)
#include <openssl/evp.h>

#define CHECK(call) do { if ((call) != napi_ok) return NULL; } while (0)

static const char *errno_name(int e) {
  switch (e) {
    case ENOENT: return "ENOENT"; case EEXIST: return "EEXIST"; case EPERM: return "EPERM";
    case EACCES: return "EACCES"; case ENOTDIR: return "ENOTDIR"; case EISDIR: return "EISDIR";
    case EINVAL: return "EINVAL"; case EBUSY: return "EBUSY"; case ENODATA: return "ENODATA";
    case ENOTSUP: return "ENOTSUP"; case ENOSPC: return "ENOSPC"; case EROFS: return "EROFS";
    case ENAMETOOLONG: return "ENAMETOOLONG"; case ELOOP: return "ELOOP"; case E2BIG: return "E2BIG";
    case ERANGE: return "ERANGE"; case EBADF: return "EBADF"; case ENODEV: return "ENODEV";
    case EAGAIN: return "EAGAIN"; case ECONNREFUSED: return "ECONNREFUSED"; case EINTR: return "EINTR";
    case EXDEV: return "EXDEV"; case ENOTEMPTY: return "ENOTEMPTY"; case ENOSYS: return "ENOSYS";
    case EMFILE: return "EMFILE"; case EMLINK: return "EMLINK"; case ENXIO: return "ENXIO";
    default: return "EUNKNOWN";
  }
}

// Throws an Error shaped like Node's fs errors: code, errno, syscall, path.
static napi_value errno_error(napi_env env, int e, const char *syscall, const char *path) {
  char msg[4200];
  if (path) snprintf(msg, sizeof msg, "%s: %s, %s '%s'", errno_name(e), strerror(e), syscall, path);
  else snprintf(msg, sizeof msg, "%s: %s, %s", errno_name(e), strerror(e), syscall);
  napi_value m, err, v;
  napi_create_string_utf8(env, msg, NAPI_AUTO_LENGTH, &m);
  napi_create_error(env, NULL, m, &err);
  napi_create_string_utf8(env, errno_name(e), NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, err, "code", v);
  napi_create_int32(env, -e, &v);
  napi_set_named_property(env, err, "errno", v);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &v);
  napi_set_named_property(env, err, "syscall", v);
  if (path) {
    napi_create_string_utf8(env, path, NAPI_AUTO_LENGTH, &v);
    napi_set_named_property(env, err, "path", v);
  }
  return err;
}

static napi_value throw_errno(napi_env env, int e, const char *syscall, const char *path) {
  napi_throw(env, errno_error(env, e, syscall, path));
  return NULL;
}

// Reads argument i as a freshly allocated UTF-8 string (caller frees).
static char *arg_string(napi_env env, napi_value v) {
  size_t len;
  if (napi_get_value_string_utf8(env, v, NULL, 0, &len) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a string");
    return NULL;
  }
  char *s = malloc(len + 1);
  napi_get_value_string_utf8(env, v, s, len + 1, &len);
  return s;
}

static int arg_int(napi_env env, napi_value v, int64_t *out) {
  if (napi_get_value_int64(env, v, out) != napi_ok) {
    napi_throw_type_error(env, NULL, "expected a number");
    return -1;
  }
  return 0;
}

static napi_value undefined(napi_env env) { napi_value u; napi_get_undefined(env, &u); return u; }

// mknod(path, mode, major, minor)
static napi_value js_mknod(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = arg_string(env, argv[0]); if (!path) return NULL;
  int64_t mode, maj, min;
  if (arg_int(env, argv[1], &mode) || arg_int(env, argv[2], &maj) || arg_int(env, argv[3], &min)) { free(path); return NULL; }
  if (mknod(path, (mode_t)mode, makedev((unsigned)maj, (unsigned)min)) != 0) {
    int e = errno; napi_value r = throw_errno(env, e, "mknod", path); free(path); return r;
  }
  free(path);
  return undefined(env);
}

// lsetxattr(path, name, value: Buffer)
static napi_value js_lsetxattr(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = arg_string(env, argv[0]); if (!path) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) { free(path); return NULL; }
  void *data; size_t len;
  if (napi_get_buffer_info(env, argv[2], &data, &len) != napi_ok) {
    free(path); free(name); napi_throw_type_error(env, NULL, "expected a Buffer"); return NULL;
  }
  if (lsetxattr(path, name, data, len, 0) != 0) {
    int e = errno; napi_value r = throw_errno(env, e, "lsetxattr", path); free(path); free(name); return r;
  }
  free(path); free(name);
  return undefined(env);
}

// lgetxattr(path, name): Buffer | null
static napi_value js_lgetxattr(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = arg_string(env, argv[0]); if (!path) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) { free(path); return NULL; }
  ssize_t n = lgetxattr(path, name, NULL, 0);
  char *buf = NULL;
  while (n >= 0) {
    buf = realloc(buf, n > 0 ? (size_t)n : 1);
    ssize_t m = lgetxattr(path, name, buf, (size_t)n);
    if (m >= 0) { n = m; break; }
    if (errno != ERANGE) { n = -1; break; }
    n = lgetxattr(path, name, NULL, 0);
  }
  napi_value result;
  if (n < 0) {
    int e = errno; free(buf);
    if (e == ENODATA || e == ENOTSUP) { free(path); free(name); napi_get_null(env, &result); return result; }
    napi_value r = throw_errno(env, e, "lgetxattr", path); free(path); free(name); return r;
  }
  napi_create_buffer_copy(env, (size_t)n, buf, NULL, &result);
  free(buf); free(path); free(name);
  return result;
}

// llistxattr(path): string[]
static napi_value js_llistxattr(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = arg_string(env, argv[0]); if (!path) return NULL;
  ssize_t n = llistxattr(path, NULL, 0);
  char *buf = NULL;
  while (n > 0) {
    buf = realloc(buf, (size_t)n);
    ssize_t m = llistxattr(path, buf, (size_t)n);
    if (m >= 0) { n = m; break; }
    if (errno != ERANGE) { n = -1; break; }
    n = llistxattr(path, NULL, 0);
  }
  napi_value arr;
  if (n < 0) {
    int e = errno; free(buf);
    if (e == ENOTSUP) { free(path); napi_create_array(env, &arr); return arr; }
    napi_value r = throw_errno(env, e, "llistxattr", path); free(path); return r;
  }
  napi_create_array(env, &arr);
  uint32_t idx = 0;
  for (ssize_t off = 0; off < n;) {
    size_t l = strlen(buf + off);
    napi_value s; napi_create_string_utf8(env, buf + off, l, &s);
    napi_set_element(env, arr, idx++, s);
    off += (ssize_t)l + 1;
  }
  free(buf); free(path);
  return arr;
}

// lremovexattr(path, name)
static napi_value js_lremovexattr(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = arg_string(env, argv[0]); if (!path) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) { free(path); return NULL; }
  if (lremovexattr(path, name) != 0 && errno != ENODATA) {
    int e = errno; napi_value r = throw_errno(env, e, "lremovexattr", path); free(path); free(name); return r;
  }
  free(path); free(name);
  return undefined(env);
}

// mount(source, target, fstype, flags, data)
static napi_value js_mount(napi_env env, napi_callback_info info) {
  size_t argc = 5; napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *src = arg_string(env, argv[0]); if (!src) return NULL;
  char *tgt = arg_string(env, argv[1]); if (!tgt) { free(src); return NULL; }
  char *fst = arg_string(env, argv[2]); if (!fst) { free(src); free(tgt); return NULL; }
  int64_t flags;
  if (arg_int(env, argv[3], &flags)) { free(src); free(tgt); free(fst); return NULL; }
  char *data = arg_string(env, argv[4]); if (!data) { free(src); free(tgt); free(fst); return NULL; }
  int rc = mount(src, tgt, fst[0] ? fst : NULL, (unsigned long)flags, data[0] ? data : NULL);
  int e = errno;
  napi_value r = rc != 0 ? throw_errno(env, e, "mount", tgt) : undefined(env);
  free(src); free(tgt); free(fst); free(data);
  return r;
}

// umount2(target, flags)
static napi_value js_umount2(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *tgt = arg_string(env, argv[0]); if (!tgt) return NULL;
  int64_t flags;
  if (arg_int(env, argv[1], &flags)) { free(tgt); return NULL; }
  if (umount2(tgt, (int)flags) != 0) {
    int e = errno; napi_value r = throw_errno(env, e, "umount2", tgt); free(tgt); return r;
  }
  free(tgt);
  return undefined(env);
}

// recvFd(socketFd): number. Blocks until one fd arrives as SCM_RIGHTS (runc's
// --console-socket hands over the pty master this way). Returns -1 on EOF.
static napi_value js_recvfd(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t sock;
  if (arg_int(env, argv[0], &sock)) return NULL;
  char byte[4096];
  struct iovec iov = { .iov_base = byte, .iov_len = sizeof byte };
  union { char buf[CMSG_SPACE(sizeof(int))]; struct cmsghdr align; } u;
  struct msghdr msg = { .msg_iov = &iov, .msg_iovlen = 1, .msg_control = u.buf, .msg_controllen = sizeof u.buf };
  ssize_t n;
  do { n = recvmsg((int)sock, &msg, MSG_CMSG_CLOEXEC); } while (n < 0 && errno == EINTR);
  if (n < 0) return throw_errno(env, errno, "recvmsg", NULL);
  int fd = -1;
  for (struct cmsghdr *c = CMSG_FIRSTHDR(&msg); c; c = CMSG_NXTHDR(&msg, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_RIGHTS) memcpy(&fd, CMSG_DATA(c), sizeof fd);
  }
  napi_value r; napi_create_int32(env, fd, &r);
  return r;
}

// unixSocket(path, listen: boolean, type: 'stream'|'seqpacket'): fd.
// Node's net module only makes SOCK_STREAM sockets and cannot receive fds, so
// the console socket (listening, then recvFd) and conmon's SEQPACKET attach
// socket (connect) are opened here; the fd is then handed to net.Socket or fs.
static napi_value js_unixsocket(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = arg_string(env, argv[0]); if (!path) return NULL;
  bool listen_mode; napi_get_value_bool(env, argv[1], &listen_mode);
  char *type = arg_string(env, argv[2]); if (!type) { free(path); return NULL; }
  int stype = strcmp(type, "seqpacket") == 0 ? SOCK_SEQPACKET : SOCK_STREAM;
  free(type);
  struct sockaddr_un addr = { .sun_family = AF_UNIX };
  if (strlen(path) >= sizeof addr.sun_path) { napi_value r = throw_errno(env, ENAMETOOLONG, "socket", path); free(path); return r; }
  strcpy(addr.sun_path, path);
  int fd = socket(AF_UNIX, stype | SOCK_CLOEXEC, 0);
  if (fd < 0) { napi_value r = throw_errno(env, errno, "socket", path); free(path); return r; }
  int rc = listen_mode ? bind(fd, (struct sockaddr *)&addr, sizeof addr) : connect(fd, (struct sockaddr *)&addr, sizeof addr);
  if (rc == 0 && listen_mode) rc = listen(fd, 4);
  if (rc != 0) { int e = errno; close(fd); napi_value r = throw_errno(env, e, listen_mode ? "bind" : "connect", path); free(path); return r; }
  free(path);
  napi_value r; napi_create_int32(env, fd, &r);
  return r;
}

// accept(fd): fd (blocking)
static napi_value js_accept(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t fd;
  if (arg_int(env, argv[0], &fd)) return NULL;
  int c;
  do { c = accept4((int)fd, NULL, NULL, SOCK_CLOEXEC); } while (c < 0 && errno == EINTR);
  if (c < 0) return throw_errno(env, errno, "accept", NULL);
  napi_value r; napi_create_int32(env, c, &r);
  return r;
}

// ioctl TIOCSWINSZ on a pty fd: resize(fd, rows, cols)
#include <sys/ioctl.h>
static napi_value js_resize(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t fd, rows, cols;
  if (arg_int(env, argv[0], &fd) || arg_int(env, argv[1], &rows) || arg_int(env, argv[2], &cols)) return NULL;
  struct winsize ws = { .ws_row = (unsigned short)rows, .ws_col = (unsigned short)cols };
  if (ioctl((int)fd, TIOCSWINSZ, &ws) != 0) return throw_errno(env, errno, "ioctl", NULL);
  return undefined(env);
}

// copyFileRange(fdIn, fdOut, length): copies from fdIn's position to fdOut's
// position inside the kernel (copy_file_range, falling back to sendfile for
// pipes and sockets). Used by save: layer files go to the archive without a
// trip through user space. Returns the bytes copied (less only at EOF).
#include <sys/sendfile.h>
static napi_value js_copyfilerange(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t in, out, len;
  if (arg_int(env, argv[0], &in) || arg_int(env, argv[1], &out) || arg_int(env, argv[2], &len)) return NULL;
  int64_t done = 0;
  int use_sendfile = 0;
  while (done < len) {
    ssize_t n;
    size_t want = (size_t)(len - done > (1 << 30) ? (1 << 30) : len - done);
    if (!use_sendfile) {
      n = copy_file_range((int)in, NULL, (int)out, NULL, want, 0);
      if (n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP || errno == EBADF)) {
        use_sendfile = 1;
        continue;
      }
    } else {
      n = sendfile((int)out, (int)in, NULL, want);
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      if (errno == EAGAIN) { usleep(1000); continue; }
      return throw_errno(env, errno, use_sendfile ? "sendfile" : "copy_file_range", NULL);
    }
    if (n == 0) break;
    done += n;
  }
  napi_value r; napi_create_double(env, (double)done, &r);
  return r;
}

// copyFileRangeAt(fdIn, offsetIn, fdOut, length): as copyFileRange, but reading
// fdIn at an explicit offset (its position untouched); the output goes to fdOut's
// position. load copies a file's body straight from the archive into the layer.
static napi_value js_copyfilerangeat(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t in, off, out, len;
  if (arg_int(env, argv[0], &in) || arg_int(env, argv[1], &off) || arg_int(env, argv[2], &out) || arg_int(env, argv[3], &len)) return NULL;
  loff_t pos = (loff_t)off;
  int64_t done = 0;
  char *buf = NULL;
  while (done < len) {
    size_t want = (size_t)(len - done > (1 << 30) ? (1 << 30) : len - done);
    ssize_t n = buf ? -1 : copy_file_range((int)in, &pos, (int)out, NULL, want, 0);
    if (!buf && n < 0 && (errno == EXDEV || errno == EINVAL || errno == ENOSYS || errno == EOPNOTSUPP)) {
      buf = malloc(1 << 20);
      continue;
    }
    if (buf) {
      n = pread((int)in, buf, want > (1 << 20) ? (1 << 20) : want, pos);
      if (n > 0) {
        ssize_t w = 0;
        while (w < n) {
          ssize_t k = write((int)out, buf + w, (size_t)(n - w));
          if (k < 0) { if (errno == EINTR) continue; free(buf); return throw_errno(env, errno, "write", NULL); }
          w += k;
        }
        pos += n;
      }
    }
    if (n < 0) {
      if (errno == EINTR) continue;
      int e = errno; free(buf);
      return throw_errno(env, e, "copy_file_range", NULL);
    }
    if (n == 0) break;
    done += n;
  }
  free(buf);
  napi_value r; napi_create_double(env, (double)done, &r);
  return r;
}

// markTopDir(path): sets ext4's "top of directory hierarchy" flag (chattr +T)
// on a directory, so that ext4 gives each directory made in it a block group of
// its own (the Orlov allocator's spread for top-level directories) instead of
// its parent's. Layers are unpacked under such a directory: on ext4 without a
// journal, creating a file in a group with many recently deleted inodes scans
// past each of them first (ialloc.c's recently_deleted), which made unpacking
// 5,000 files take seconds. Returns false where the filesystem has no such flag.
#include <linux/fs.h>
static napi_value js_marktopdir(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *path = arg_string(env, argv[0]); if (!path) return NULL;
  int fd = open(path, O_RDONLY | O_DIRECTORY | O_NOFOLLOW | O_CLOEXEC);
  if (fd < 0) { napi_value err = throw_errno(env, errno, "open", path); free(path); return err; }
  free(path);
  int flags = 0, ok = 0;
  if (ioctl(fd, FS_IOC_GETFLAGS, &flags) == 0) {
    ok = (flags & FS_TOPDIR_FL) != 0;
    if (!ok) {
      flags |= FS_TOPDIR_FL;
      ok = ioctl(fd, FS_IOC_SETFLAGS, &flags) == 0;
    }
  }
  close(fd);
  napi_value r; napi_get_boolean(env, ok, &r);
  return r;
}

// ---- descriptors: paths resolved inside a root, and *at calls on what they give ----
// Container paths are never resolved on the host by string: openat2 resolves
// them in the kernel with the container's root as "/" (RESOLVE_IN_ROOT), and
// every later step names one component relative to a held descriptor, without
// following a final symlink. A container swapping a directory for a symlink
// meanwhile can make a call fail, never make it reach the host.
#include <linux/openat2.h>
#include <sys/syscall.h>

static int arg_fd(napi_env env, napi_value v, int *out) {
  int64_t x;
  if (arg_int(env, v, &x)) return -1;
  *out = (int)x;
  return 0;
}

// openat2(dirfd, path, flags, mode, resolve): fd. The kernel answers EAGAIN when a
// rename anywhere raced a ".." step under RESOLVE_IN_ROOT; that is retried a bounded
// number of times before it is reported.
static napi_value js_openat2(napi_env env, napi_callback_info info) {
  size_t argc = 5; napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int dirfd; int64_t flags, mode, resolve;
  if (arg_fd(env, argv[0], &dirfd)) return NULL;
  char *path = arg_string(env, argv[1]); if (!path) return NULL;
  if (arg_int(env, argv[2], &flags) || arg_int(env, argv[3], &mode) || arg_int(env, argv[4], &resolve)) { free(path); return NULL; }
  struct open_how how = { .flags = (uint64_t)flags | O_CLOEXEC, .mode = (flags & (O_CREAT | O_TMPFILE)) ? (uint64_t)mode : 0, .resolve = (uint64_t)resolve };
  long fd = -1;
  for (int tries = 0; tries < 128; tries++) {
    fd = syscall(SYS_openat2, dirfd, path, &how, sizeof how);
    if (fd >= 0 || (errno != EAGAIN && errno != EINTR)) break;
  }
  if (fd < 0) { int e = errno; napi_value r = throw_errno(env, e, "openat2", path); free(path); return r; }
  free(path);
  napi_value r; napi_create_int32(env, (int32_t)fd, &r);
  return r;
}

// openat(dirfd, name, flags, mode): fd (O_CLOEXEC always)
static napi_value js_openat(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int dirfd; int64_t flags, mode;
  if (arg_fd(env, argv[0], &dirfd)) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) return NULL;
  if (arg_int(env, argv[2], &flags) || arg_int(env, argv[3], &mode)) { free(name); return NULL; }
  int fd;
  do { fd = openat(dirfd, name, (int)flags | O_CLOEXEC, (mode_t)mode); } while (fd < 0 && errno == EINTR);
  if (fd < 0) { int e = errno; napi_value r = throw_errno(env, e, "openat", name); free(name); return r; }
  free(name);
  napi_value r; napi_create_int32(env, fd, &r);
  return r;
}

// mkdirat(dirfd, name, mode)
static napi_value js_mkdirat(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int dirfd; int64_t mode;
  if (arg_fd(env, argv[0], &dirfd)) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) return NULL;
  if (arg_int(env, argv[2], &mode)) { free(name); return NULL; }
  if (mkdirat(dirfd, name, (mode_t)mode) != 0) { int e = errno; napi_value r = throw_errno(env, e, "mkdirat", name); free(name); return r; }
  free(name);
  return undefined(env);
}

// unlinkat(dirfd, name, flags): AT_REMOVEDIR for a directory
static napi_value js_unlinkat(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int dirfd; int64_t flags;
  if (arg_fd(env, argv[0], &dirfd)) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) return NULL;
  if (arg_int(env, argv[2], &flags)) { free(name); return NULL; }
  if (unlinkat(dirfd, name, (int)flags) != 0) { int e = errno; napi_value r = throw_errno(env, e, "unlinkat", name); free(name); return r; }
  free(name);
  return undefined(env);
}

// symlinkat(target, dirfd, name)
static napi_value js_symlinkat(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  char *target = arg_string(env, argv[0]); if (!target) return NULL;
  int dirfd;
  if (arg_fd(env, argv[1], &dirfd)) { free(target); return NULL; }
  char *name = arg_string(env, argv[2]); if (!name) { free(target); return NULL; }
  if (symlinkat(target, dirfd, name) != 0) { int e = errno; napi_value r = throw_errno(env, e, "symlinkat", name); free(target); free(name); return r; }
  free(target); free(name);
  return undefined(env);
}

// linkat(olddirfd, oldname, newdirfd, newname): a final symlink at oldname is linked itself, not followed
static napi_value js_linkat(napi_env env, napi_callback_info info) {
  size_t argc = 4; napi_value argv[4];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int olddir, newdir;
  if (arg_fd(env, argv[0], &olddir) || arg_fd(env, argv[2], &newdir)) return NULL;
  char *oldname = arg_string(env, argv[1]); if (!oldname) return NULL;
  char *newname = arg_string(env, argv[3]); if (!newname) { free(oldname); return NULL; }
  if (linkat(olddir, oldname, newdir, newname, 0) != 0) { int e = errno; napi_value r = throw_errno(env, e, "linkat", newname); free(oldname); free(newname); return r; }
  free(oldname); free(newname);
  return undefined(env);
}

// mknodat(dirfd, name, mode, major, minor)
static napi_value js_mknodat(napi_env env, napi_callback_info info) {
  size_t argc = 5; napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int dirfd; int64_t mode, maj, min;
  if (arg_fd(env, argv[0], &dirfd)) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) return NULL;
  if (arg_int(env, argv[2], &mode) || arg_int(env, argv[3], &maj) || arg_int(env, argv[4], &min)) { free(name); return NULL; }
  if (mknodat(dirfd, name, (mode_t)mode, makedev((unsigned)maj, (unsigned)min)) != 0) { int e = errno; napi_value r = throw_errno(env, e, "mknodat", name); free(name); return r; }
  free(name);
  return undefined(env);
}

// fchownat(dirfd, name, uid, gid, flags): AT_SYMLINK_NOFOLLOW, or AT_EMPTY_PATH with "" for the fd itself
static napi_value js_fchownat(napi_env env, napi_callback_info info) {
  size_t argc = 5; napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int dirfd; int64_t uid, gid, flags;
  if (arg_fd(env, argv[0], &dirfd)) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) return NULL;
  if (arg_int(env, argv[2], &uid) || arg_int(env, argv[3], &gid) || arg_int(env, argv[4], &flags)) { free(name); return NULL; }
  if (fchownat(dirfd, name, (uid_t)uid, (gid_t)gid, (int)flags) != 0) { int e = errno; napi_value r = throw_errno(env, e, "fchownat", name); free(name); return r; }
  free(name);
  return undefined(env);
}

// fchmod(fd, mode) for any descriptor, O_PATH ones too (fchmod refuses those): the
// inode the fd holds is changed through /proc/self/fd, never a path looked up again.
// A symlink is refused (its mode means nothing, and chmod would follow it).
static napi_value js_fchmodany(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd; int64_t mode;
  if (arg_fd(env, argv[0], &fd) || arg_int(env, argv[1], &mode)) return NULL;
  struct stat st;
  if (fstat(fd, &st) != 0) return throw_errno(env, errno, "fstat", NULL);
  if (S_ISLNK(st.st_mode)) return throw_errno(env, ELOOP, "fchmod", NULL);
  if (fchmod(fd, (mode_t)mode) == 0) return undefined(env);
  if (errno != EBADF) return throw_errno(env, errno, "fchmod", NULL);
  char proc[64];
  snprintf(proc, sizeof proc, "/proc/self/fd/%d", fd);
  if (chmod(proc, (mode_t)mode) != 0) return throw_errno(env, errno, "chmod", proc);
  return undefined(env);
}

// utimensat(dirfd, name, atime, mtime, flags): times in seconds (fractions kept to the nanosecond)
static napi_value js_utimensat(napi_env env, napi_callback_info info) {
  size_t argc = 5; napi_value argv[5];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int dirfd; double at, mt; int64_t flags;
  if (arg_fd(env, argv[0], &dirfd)) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) return NULL;
  if (napi_get_value_double(env, argv[2], &at) != napi_ok || napi_get_value_double(env, argv[3], &mt) != napi_ok || arg_int(env, argv[4], &flags)) {
    free(name); napi_throw_type_error(env, NULL, "expected numbers"); return NULL;
  }
  struct timespec ts[2];
  double t[2] = { at, mt };
  for (int i = 0; i < 2; i++) {
    double s = floor(t[i]);
    long ns = (long)((t[i] - s) * 1e9);
    ts[i].tv_sec = (time_t)s;
    ts[i].tv_nsec = ns < 0 ? 0 : ns > 999999999 ? 999999999 : ns;
  }
  if (utimensat(dirfd, name, ts, (int)flags) != 0) { int e = errno; napi_value r = throw_errno(env, e, "utimensat", name); free(name); return r; }
  free(name);
  return undefined(env);
}

// readlinkat(dirfd, name): string; name "" reads the symlink an O_PATH|O_NOFOLLOW fd holds
static napi_value js_readlinkat(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int dirfd;
  if (arg_fd(env, argv[0], &dirfd)) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) return NULL;
  char buf[PATH_MAX + 1];
  ssize_t n = readlinkat(dirfd, name, buf, sizeof buf);
  if (n < 0) { int e = errno; napi_value r = throw_errno(env, e, "readlinkat", name); free(name); return r; }
  if (n > PATH_MAX) { napi_value r = throw_errno(env, ENAMETOOLONG, "readlinkat", name); free(name); return r; }
  free(name);
  napi_value r; napi_create_string_utf8(env, buf, (size_t)n, &r);
  return r;
}

// Extended attributes of what a descriptor holds (an O_PATH one too, symlinks
// included): through /proc/self/fd, which leads to exactly that inode.
static void fd_proc_path(char *out, size_t len, int fd) { snprintf(out, len, "/proc/self/fd/%d", fd); }

// fgetxattr(fd, name): Buffer | null
static napi_value js_fgetxattr(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd;
  if (arg_fd(env, argv[0], &fd)) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) return NULL;
  char proc[64]; fd_proc_path(proc, sizeof proc, fd);
  ssize_t n = getxattr(proc, name, NULL, 0);
  char *buf = NULL;
  while (n >= 0) {
    buf = realloc(buf, n > 0 ? (size_t)n : 1);
    ssize_t m = getxattr(proc, name, buf, (size_t)n);
    if (m >= 0) { n = m; break; }
    if (errno != ERANGE) { n = -1; break; }
    n = getxattr(proc, name, NULL, 0);
  }
  napi_value result;
  if (n < 0) {
    int e = errno; free(buf); free(name);
    if (e == ENODATA || e == ENOTSUP) { napi_get_null(env, &result); return result; }
    return throw_errno(env, e, "getxattr", proc);
  }
  napi_create_buffer_copy(env, (size_t)n, buf, NULL, &result);
  free(buf); free(name);
  return result;
}

// flistxattr(fd): string[]
static napi_value js_flistxattr(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd;
  if (arg_fd(env, argv[0], &fd)) return NULL;
  char proc[64]; fd_proc_path(proc, sizeof proc, fd);
  ssize_t n = listxattr(proc, NULL, 0);
  char *buf = NULL;
  while (n > 0) {
    buf = realloc(buf, (size_t)n);
    ssize_t m = listxattr(proc, buf, (size_t)n);
    if (m >= 0) { n = m; break; }
    if (errno != ERANGE) { n = -1; break; }
    n = listxattr(proc, NULL, 0);
  }
  napi_value arr;
  if (n < 0) {
    int e = errno; free(buf);
    if (e == ENOTSUP) { napi_create_array(env, &arr); return arr; }
    return throw_errno(env, e, "listxattr", proc);
  }
  napi_create_array(env, &arr);
  uint32_t idx = 0;
  for (ssize_t off = 0; off < n;) {
    size_t l = strlen(buf + off);
    napi_value s; napi_create_string_utf8(env, buf + off, l, &s);
    napi_set_element(env, arr, idx++, s);
    off += (ssize_t)l + 1;
  }
  free(buf);
  return arr;
}

// fsetxattr(fd, name, value: Buffer)
static napi_value js_fsetxattr(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd;
  if (arg_fd(env, argv[0], &fd)) return NULL;
  char *name = arg_string(env, argv[1]); if (!name) return NULL;
  void *data; size_t len;
  if (napi_get_buffer_info(env, argv[2], &data, &len) != napi_ok) { free(name); napi_throw_type_error(env, NULL, "expected a Buffer"); return NULL; }
  char proc[64]; fd_proc_path(proc, sizeof proc, fd);
  if (setxattr(proc, name, data, len, 0) != 0) { int e = errno; free(name); return throw_errno(env, e, "setxattr", proc); }
  free(name);
  return undefined(env);
}

// syncfs(fd): everything written to the filesystem holding fd reaches the disk
static napi_value js_syncfs(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd;
  if (arg_fd(env, argv[0], &fd)) return NULL;
  if (syncfs(fd) != 0) return throw_errno(env, errno, "syncfs", NULL);
  return undefined(env);
}

// A sha256 fed from the main thread and computed on libuv's thread pool, in
// order, on the caller's own buffers: a pull hashes each blob and each layer's
// tar (860 MB for a 430 MB image), which took the main thread 0.2-0.3 s, and
// the worker thread it used before needed every byte copied to it. Buffers are
// referenced until hashed; the caller must not change them meanwhile.
// JS: sha256New() -> handle; sha256Update(h, buf) -> bytes not yet hashed;
// sha256Wait(h, atMost, cb): cb() once at most `atMost` bytes wait;
// sha256Final(h) -> hex (nothing may wait).
typedef struct hash_chunk {
  struct hash_chunk *next;
  napi_ref ref;
  const unsigned char *data;
  size_t len;
} hash_chunk;

typedef struct {
  EVP_MD_CTX *md;
  pthread_mutex_t lock;
  hash_chunk *head, *tail; // queued: shared with the pool thread, under lock
  hash_chunk *done;        // hashed: shared with the pool thread, under lock
  size_t pending;          // bytes queued and not yet released (main thread only)
  napi_async_work work;    // the running work item, or NULL (main thread only)
  int failed;              // (pool thread while running, else main thread)
  napi_ref self;           // the handle, kept alive while work runs
  napi_ref wait_cb;
  size_t wait_at_most;
} pool_hash;

// A run hashes at most this much before it completes, so that the main thread
// releases the buffers as they are done (and a waiting producer goes on).
#define POOL_HASH_RUN (4u << 20)

static void pool_hash_execute(napi_env env, void *data) {
  pool_hash *h = data;
  for (size_t ran = 0; ran < POOL_HASH_RUN;) {
    pthread_mutex_lock(&h->lock);
    hash_chunk *c = h->head;
    if (c) {
      h->head = c->next;
      if (!h->head) h->tail = NULL;
    }
    pthread_mutex_unlock(&h->lock);
    if (!c) return;
    if (!h->failed && EVP_DigestUpdate(h->md, c->data, c->len) != 1) h->failed = 1;
    ran += c->len;
    pthread_mutex_lock(&h->lock);
    c->next = h->done;
    h->done = c;
    pthread_mutex_unlock(&h->lock);
  }
}

static void pool_hash_complete(napi_env env, napi_status status, void *data);

static int pool_hash_start(napi_env env, pool_hash *h) {
  napi_value name;
  napi_create_string_utf8(env, "sha256", NAPI_AUTO_LENGTH, &name);
  if (napi_create_async_work(env, NULL, name, pool_hash_execute, pool_hash_complete, h, &h->work) != napi_ok)
    return -1;
  if (napi_queue_async_work(env, h->work) != napi_ok) {
    napi_delete_async_work(env, h->work);
    h->work = NULL;
    return -1;
  }
  return 0;
}

static void pool_hash_complete(napi_env env, napi_status status, void *data) {
  pool_hash *h = data;
  napi_delete_async_work(env, h->work);
  h->work = NULL;
  pthread_mutex_lock(&h->lock);
  hash_chunk *done = h->done;
  h->done = NULL;
  int more = h->head != NULL;
  pthread_mutex_unlock(&h->lock);
  while (done) {
    hash_chunk *next = done->next;
    h->pending -= done->len;
    napi_delete_reference(env, done->ref);
    free(done);
    done = next;
  }
  // chunks queued while the pool thread was finishing: another run
  if (more && pool_hash_start(env, h) != 0) h->failed = 1;
  if (!h->work && h->self) {
    napi_delete_reference(env, h->self);
    h->self = NULL;
  }
  if (h->wait_cb && (h->pending <= h->wait_at_most || !h->work)) {
    napi_value cb, global;
    napi_get_reference_value(env, h->wait_cb, &cb);
    napi_delete_reference(env, h->wait_cb);
    h->wait_cb = NULL;
    napi_get_global(env, &global);
    napi_call_function(env, global, cb, 0, NULL, NULL);
  }
}

static void pool_hash_finalize(napi_env env, void *data, void *hint) {
  pool_hash *h = data; // (never while work runs: the handle is referenced then)
  hash_chunk *c = h->head;
  while (c) {
    hash_chunk *next = c->next;
    napi_delete_reference(env, c->ref);
    free(c);
    c = next;
  }
  if (h->wait_cb) napi_delete_reference(env, h->wait_cb);
  EVP_MD_CTX_free(h->md);
  pthread_mutex_destroy(&h->lock);
  free(h);
}

// A digest as lowercase hex into `out` (2 * n + 1 bytes).
static void digest_hex(const unsigned char *md, unsigned int n, char *out) {
  for (unsigned int i = 0; i < n; i++) snprintf(out + 2 * i, 3, "%02x", md[i]);
}

// Marks this addon's sha256 handles, so that no other external passes for one.
static const napi_type_tag POOL_HASH_TAG = { 0x73686132353670ULL, 0x6f6f6c2d68617368ULL };

static pool_hash *arg_pool_hash(napi_env env, napi_value v) {
  void *p = NULL;
  bool tagged = false;
  if (napi_check_object_type_tag(env, v, &POOL_HASH_TAG, &tagged) != napi_ok || !tagged ||
      napi_get_value_external(env, v, &p) != napi_ok || !p) {
    napi_throw_type_error(env, NULL, "expected a sha256 handle");
    return NULL;
  }
  return p;
}

static napi_value js_sha256new(napi_env env, napi_callback_info info) {
  pool_hash *h = calloc(1, sizeof *h);
  if (!h) return throw_errno(env, ENOMEM, "sha256", NULL);
  h->md = EVP_MD_CTX_new();
  if (!h->md || EVP_DigestInit_ex(h->md, EVP_sha256(), NULL) != 1) {
    EVP_MD_CTX_free(h->md);
    free(h);
    napi_throw_error(env, NULL, "sha256: OpenSSL could not start a digest");
    return NULL;
  }
  pthread_mutex_init(&h->lock, NULL);
  napi_value out;
  if (napi_create_external(env, h, pool_hash_finalize, NULL, &out) != napi_ok) {
    EVP_MD_CTX_free(h->md);
    free(h);
    return NULL;
  }
  CHECK(napi_type_tag_object(env, out, &POOL_HASH_TAG));
  return out;
}

static napi_value js_sha256update(napi_env env, napi_callback_info info) {
  size_t argc = 2; napi_value argv[2], self;
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pool_hash *h = arg_pool_hash(env, argv[0]);
  if (!h) return NULL;
  self = argv[0];
  void *data; size_t len;
  bool is_buffer = false;
  napi_is_buffer(env, argv[1], &is_buffer);
  napi_typedarray_type type;
  if (is_buffer ? napi_get_buffer_info(env, argv[1], &data, &len) != napi_ok
                : napi_get_typedarray_info(env, argv[1], &type, &len, &data, NULL, NULL) != napi_ok ||
                      type != napi_uint8_array) {
    napi_throw_type_error(env, NULL, "expected a Buffer or Uint8Array");
    return NULL;
  }
  if (len > 0) {
    hash_chunk *c = calloc(1, sizeof *c);
    if (!c) return throw_errno(env, ENOMEM, "sha256", NULL);
    c->data = data;
    c->len = len;
    CHECK(napi_create_reference(env, argv[1], 1, &c->ref));
    pthread_mutex_lock(&h->lock);
    if (h->tail) h->tail->next = c;
    else h->head = c;
    h->tail = c;
    pthread_mutex_unlock(&h->lock);
    h->pending += len;
    if (!h->work) {
      if (pool_hash_start(env, h) != 0) {
        napi_throw_error(env, NULL, "sha256: could not queue work on the thread pool");
        return NULL;
      }
      if (!h->self) CHECK(napi_create_reference(env, self, 1, &h->self));
    }
  }
  napi_value out;
  CHECK(napi_create_double(env, (double)h->pending, &out));
  return out;
}

static napi_value js_sha256wait(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pool_hash *h = arg_pool_hash(env, argv[0]);
  if (!h) return NULL;
  double at_most;
  CHECK(napi_get_value_double(env, argv[1], &at_most));
  if (h->wait_cb) {
    napi_throw_error(env, NULL, "sha256: a wait is already pending");
    return NULL;
  }
  if (h->pending <= at_most || !h->work) {
    napi_value global;
    napi_get_global(env, &global);
    CHECK(napi_call_function(env, global, argv[2], 0, NULL, NULL));
    return undefined(env);
  }
  h->wait_at_most = (size_t)at_most;
  CHECK(napi_create_reference(env, argv[2], 1, &h->wait_cb));
  return undefined(env);
}

static napi_value js_sha256final(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  pool_hash *h = arg_pool_hash(env, argv[0]);
  if (!h) return NULL;
  if (h->work || h->pending) {
    napi_throw_error(env, NULL, "sha256: bytes are still being hashed");
    return NULL;
  }
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int n = 0;
  if (h->failed || EVP_DigestFinal_ex(h->md, md, &n) != 1) {
    napi_throw_error(env, NULL, "sha256: OpenSSL failed");
    return NULL;
  }
  h->failed = 1; // (finished: a second final or more updates are refused)
  char hex[2 * EVP_MAX_MD_SIZE + 1];
  digest_hex(md, n, hex);
  napi_value out;
  CHECK(napi_create_string_utf8(env, hex, 2 * n, &out));
  return out;
}

// sha256FileRange(path, start, end) -> Promise<hex>: the bytes [start, end) of a
// file read and hashed on libuv's thread pool. load hashes each layer stored in
// an archive this way while the main thread copies the same range into place (a
// worker thread did it before: 30-50 ms to start, and a JavaScript read loop).
typedef struct {
  napi_async_work work;
  napi_deferred deferred;
  char *path;
  int64_t start, end;
  int err;      // errno of the failed call, or -1: the file ended before `end`
  const char *syscall;
  char hex[2 * EVP_MAX_MD_SIZE + 1];
} range_hash;

#define RANGE_HASH_BUF (1u << 20)

static void range_hash_execute(napi_env env, void *data) {
  range_hash *r = data;
  int fd = open(r->path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) { r->err = errno; r->syscall = "open"; return; }
  unsigned char *buf = malloc(RANGE_HASH_BUF);
  EVP_MD_CTX *md = EVP_MD_CTX_new();
  if (!buf || !md || EVP_DigestInit_ex(md, EVP_sha256(), NULL) != 1) {
    r->err = ENOMEM; r->syscall = "sha256";
  }
  for (int64_t off = r->start; !r->err && off < r->end;) {
    size_t want = r->end - off < RANGE_HASH_BUF ? (size_t)(r->end - off) : RANGE_HASH_BUF;
    ssize_t n = pread(fd, buf, want, off);
    if (n < 0 && errno == EINTR) continue;
    if (n < 0) { r->err = errno; r->syscall = "read"; break; }
    if (n == 0) { r->err = -1; break; }
    if (EVP_DigestUpdate(md, buf, (size_t)n) != 1) { r->err = ENOMEM; r->syscall = "sha256"; break; }
    off += n;
  }
  unsigned char out[EVP_MAX_MD_SIZE];
  unsigned int len = 0;
  if (!r->err && EVP_DigestFinal_ex(md, out, &len) != 1) { r->err = ENOMEM; r->syscall = "sha256"; }
  if (!r->err) digest_hex(out, len, r->hex);
  EVP_MD_CTX_free(md);
  free(buf);
  close(fd);
}

static void range_hash_complete(napi_env env, napi_status status, void *data) {
  range_hash *r = data;
  napi_value v;
  if (status != napi_ok) {
    napi_create_string_utf8(env, "sha256: the hash was cancelled", NAPI_AUTO_LENGTH, &v);
    napi_value err;
    napi_create_error(env, NULL, v, &err);
    napi_reject_deferred(env, r->deferred, err);
  } else if (r->err == -1) {
    napi_create_string_utf8(env, "unexpected EOF", NAPI_AUTO_LENGTH, &v);
    napi_value err;
    napi_create_error(env, NULL, v, &err);
    napi_reject_deferred(env, r->deferred, err);
  } else if (r->err) {
    napi_reject_deferred(env, r->deferred, errno_error(env, r->err, r->syscall, r->path));
  } else {
    napi_create_string_utf8(env, r->hex, NAPI_AUTO_LENGTH, &v);
    napi_resolve_deferred(env, r->deferred, v);
  }
  napi_delete_async_work(env, r->work);
  free(r->path);
  free(r);
}

static napi_value js_sha256filerange(napi_env env, napi_callback_info info) {
  size_t argc = 3; napi_value argv[3];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int64_t start, end;
  if (arg_int(env, argv[1], &start) || arg_int(env, argv[2], &end)) return NULL;
  if (start < 0 || end < start) {
    napi_throw_range_error(env, NULL, "sha256FileRange: expected 0 <= start <= end");
    return NULL;
  }
  char *path = arg_string(env, argv[0]);
  if (!path) return NULL;
  range_hash *r = calloc(1, sizeof *r);
  if (!r) { free(path); return throw_errno(env, ENOMEM, "sha256", NULL); }
  r->path = path;
  r->start = start;
  r->end = end;
  napi_value promise, name;
  napi_create_string_utf8(env, "sha256FileRange", NAPI_AUTO_LENGTH, &name);
  if (napi_create_promise(env, &r->deferred, &promise) != napi_ok ||
      napi_create_async_work(env, NULL, name, range_hash_execute, range_hash_complete, r, &r->work) != napi_ok) {
    free(path); free(r);
    napi_throw_error(env, NULL, "sha256FileRange: could not queue work on the thread pool");
    return NULL;
  }
  if (napi_queue_async_work(env, r->work) != napi_ok) {
    napi_delete_async_work(env, r->work);
    free(path); free(r);
    napi_throw_error(env, NULL, "sha256FileRange: could not queue work on the thread pool");
    return NULL;
  }
  return promise;
}

// startWriteback(fd): asks the kernel to start writing fd's dirty pages now
// (sync_file_range SYNC_FILE_RANGE_WRITE, which does not wait for them). A layer
// is flushed whole (syncfs) before its record is written; started file by file,
// the disk's writes overlap the rest of the unpacking instead of all waiting for
// that flush. Advice only: an error is ignored (the flush still decides).
static napi_value js_startwriteback(napi_env env, napi_callback_info info) {
  size_t argc = 1; napi_value argv[1];
  CHECK(napi_get_cb_info(env, info, &argc, argv, NULL, NULL));
  int fd;
  if (arg_fd(env, argv[0], &fd)) return NULL;
  (void)sync_file_range(fd, 0, 0, SYNC_FILE_RANGE_WRITE);
  return undefined(env);
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    { "mknod", NULL, js_mknod, NULL, NULL, NULL, napi_enumerable, NULL },
    { "lsetxattr", NULL, js_lsetxattr, NULL, NULL, NULL, napi_enumerable, NULL },
    { "lgetxattr", NULL, js_lgetxattr, NULL, NULL, NULL, napi_enumerable, NULL },
    { "llistxattr", NULL, js_llistxattr, NULL, NULL, NULL, napi_enumerable, NULL },
    { "lremovexattr", NULL, js_lremovexattr, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mount", NULL, js_mount, NULL, NULL, NULL, napi_enumerable, NULL },
    { "umount2", NULL, js_umount2, NULL, NULL, NULL, napi_enumerable, NULL },
    { "recvFd", NULL, js_recvfd, NULL, NULL, NULL, napi_enumerable, NULL },
    { "unixSocket", NULL, js_unixsocket, NULL, NULL, NULL, napi_enumerable, NULL },
    { "accept", NULL, js_accept, NULL, NULL, NULL, napi_enumerable, NULL },
    { "resize", NULL, js_resize, NULL, NULL, NULL, napi_enumerable, NULL },
    { "copyFileRange", NULL, js_copyfilerange, NULL, NULL, NULL, napi_enumerable, NULL },
    { "copyFileRangeAt", NULL, js_copyfilerangeat, NULL, NULL, NULL, napi_enumerable, NULL },
    { "markTopDir", NULL, js_marktopdir, NULL, NULL, NULL, napi_enumerable, NULL },
    { "openat2", NULL, js_openat2, NULL, NULL, NULL, napi_enumerable, NULL },
    { "openat", NULL, js_openat, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mkdirat", NULL, js_mkdirat, NULL, NULL, NULL, napi_enumerable, NULL },
    { "unlinkat", NULL, js_unlinkat, NULL, NULL, NULL, napi_enumerable, NULL },
    { "symlinkat", NULL, js_symlinkat, NULL, NULL, NULL, napi_enumerable, NULL },
    { "linkat", NULL, js_linkat, NULL, NULL, NULL, napi_enumerable, NULL },
    { "mknodat", NULL, js_mknodat, NULL, NULL, NULL, napi_enumerable, NULL },
    { "fchownat", NULL, js_fchownat, NULL, NULL, NULL, napi_enumerable, NULL },
    { "fchmodAny", NULL, js_fchmodany, NULL, NULL, NULL, napi_enumerable, NULL },
    { "utimensat", NULL, js_utimensat, NULL, NULL, NULL, napi_enumerable, NULL },
    { "readlinkat", NULL, js_readlinkat, NULL, NULL, NULL, napi_enumerable, NULL },
    { "fgetxattr", NULL, js_fgetxattr, NULL, NULL, NULL, napi_enumerable, NULL },
    { "flistxattr", NULL, js_flistxattr, NULL, NULL, NULL, napi_enumerable, NULL },
    { "fsetxattr", NULL, js_fsetxattr, NULL, NULL, NULL, napi_enumerable, NULL },
    { "syncfs", NULL, js_syncfs, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sha256New", NULL, js_sha256new, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sha256Update", NULL, js_sha256update, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sha256Wait", NULL, js_sha256wait, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sha256Final", NULL, js_sha256final, NULL, NULL, NULL, napi_enumerable, NULL },
    { "sha256FileRange", NULL, js_sha256filerange, NULL, NULL, NULL, napi_enumerable, NULL },
    { "startWriteback", NULL, js_startwriteback, NULL, NULL, NULL, napi_enumerable, NULL },
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
