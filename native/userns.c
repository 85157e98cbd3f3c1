// See userns.h. Shared by the front end (native/launcher.c) and the namespace
// maker (native/userns-helper.c).
#define _GNU_SOURCE
#include "userns.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum identity userns_identity(uid_t *host_uid) {
  uid_t euid = geteuid();
  *host_uid = euid;
  if (euid != 0) return ID_OUTSIDE;
  // root: of the host ("0 0 4294967295"), or of a user's namespace ("0 UID 1" first)
  char buf[256];
  int fd = open("/proc/self/uid_map", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return ID_ROOT;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return ID_ROOT;
  buf[n] = 0;
  unsigned long inside, outside, count;
  if (sscanf(buf, "%lu %lu %lu", &inside, &outside, &count) != 3) return ID_ROOT;
  if (inside != 0 || outside == 0 || count == 4294967295UL) return ID_ROOT;
  *host_uid = (uid_t)outside;
  return ID_INSIDE;
}

int userns_run_dir(uid_t host_uid, char *out, size_t size) {
  const char *x = getenv("XDG_RUNTIME_DIR");
  int n = x && *x == '/' ? snprintf(out, size, "%s/stowage", x) : snprintf(out, size, "/tmp/stowage-run-%u", (unsigned)host_uid);
  return n > 0 && (size_t)n < size ? 0 : -1;
}

int userns_data_dir(char *out, size_t size) {
  const char *x = getenv("XDG_DATA_HOME");
  const char *home = getenv("HOME");
  int n;
  if (x && *x == '/') n = snprintf(out, size, "%s/stowage", x);
  else if (home && *home == '/') n = snprintf(out, size, "%s/.local/share/stowage", home);
  else return -1; // no home: the Node CLI finds it in the password database
  return n > 0 && (size_t)n < size ? 0 : -1;
}

unsigned long long start_time(pid_t pid) {
  char path[64], buf[1024];
  snprintf(path, sizeof path, "/proc/%d/stat", (int)pid);
  int fd = open(path, O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *p = strrchr(buf, ')'); // the command name may hold spaces and parentheses
  if (!p) return 0;
  char state;
  unsigned long long start = 0;
  // state, then fields 4..21, then starttime (22)
  if (sscanf(p + 2, "%c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu", &state, &start) != 2) return 0;
  return state == 'Z' || state == 'X' ? 0 : start;
}

int userns_join(const char *run_dir) {
  char path[PATH_MAX], buf[64];
  if ((size_t)snprintf(path, sizeof path, "%s/userns.pid", run_dir) >= sizeof path) return -1;
  int fd = open(path, O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
  if (fd < 0) return errno == ENOENT ? 1 : -1;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 1;
  buf[n] = 0;
  int pid;
  unsigned long long start;
  if (sscanf(buf, "%d %llu", &pid, &start) != 2 || pid <= 0) return 1;
  if (start_time(pid) != start) return 1;

  char ns[64];
  snprintf(ns, sizeof ns, "/proc/%d/ns/user", pid);
  int user_fd = open(ns, O_RDONLY | O_CLOEXEC);
  snprintf(ns, sizeof ns, "/proc/%d/ns/mnt", pid);
  int mnt_fd = open(ns, O_RDONLY | O_CLOEXEC);
  struct stat st;
  snprintf(ns, sizeof ns, "/proc/%d", pid);
  // the same process still (not a reused PID), and ours
  if (user_fd < 0 || mnt_fd < 0 || start_time(pid) != start || stat(ns, &st) != 0 || st.st_uid != geteuid()) {
    if (user_fd >= 0) close(user_fd);
    if (mnt_fd >= 0) close(mnt_fd);
    return 1;
  }
  char cwd[PATH_MAX];
  int have_cwd = getcwd(cwd, sizeof cwd) != NULL;
  int rc = -1;
  // joining a mount namespace moves the working directory to its root: restore it after
  if (setns(user_fd, CLONE_NEWUSER) == 0 && setns(mnt_fd, CLONE_NEWNS) == 0 && setresgid(0, 0, 0) == 0 && setresuid(0, 0, 0) == 0) {
    rc = 0;
    if (!have_cwd || chdir(cwd) != 0) (void)!chdir("/");
  }
  int saved = errno;
  close(user_fd);
  close(mnt_fd);
  errno = saved;
  return rc;
}
