// stowage-userns: makes an ordinary user's namespace, once, for every later
// stowage command to join (podman's pause process). The Node CLI has checked
// the user's subordinate ranges and the uidmap tools and passes the maps:
//
//   stowage-userns RUN_DIR UID_MAP... -- GID_MAP...
//
// (each map as newuidmap(1) takes it: "0 1000 1 1 100000 65536"). Under a lock
// in RUN_DIR it does nothing when the namespace exists; otherwise it forks the
// pause process, which unshares a user and a mount namespace; this process,
// still outside, has newuidmap/newgidmap write the maps; the pause process then
// records itself in RUN_DIR/userns.pid ("PID START-TIME") and waits forever (it
// ends on SIGTERM: `system reset`). Exit status: 0 ready; 2 the kernel refused
// the namespace; 3 newuidmap or newgidmap failed (their message on stderr);
// 1 anything else. On any failure nothing is left: no process, no pid file.
#define _GNU_SOURCE
#include "userns.h"
#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <sched.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

static int write_all(int fd, const void *buf, size_t len) {
  const char *p = buf;
  while (len > 0) {
    ssize_t n = write(fd, p, len);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return -1;
    p += n;
    len -= (size_t)n;
  }
  return 0;
}

static int read_byte(int fd, char *c) {
  ssize_t n;
  while ((n = read(fd, c, 1)) < 0 && errno == EINTR) {
  }
  return n == 1 ? 0 : -1;
}

/** Field 22 of /proc/self/stat. */
static unsigned long long own_start_time(void) {
  char buf[1024];
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return 0;
  ssize_t n = read(fd, buf, sizeof buf - 1);
  close(fd);
  if (n <= 0) return 0;
  buf[n] = 0;
  char *p = strrchr(buf, ')');
  unsigned long long start = 0;
  if (!p || sscanf(p + 2, "%*c %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %*s %llu", &start) != 1) return 0;
  return start;
}

/** The pause process: in its new namespaces, records itself and waits for SIGTERM. */
static void pause_process(const char *run_dir, int to_parent, int from_parent) {
  char c = 0;
  if (unshare(CLONE_NEWUSER | CLONE_NEWNS) != 0) {
    c = 'U';
    (void)!write_all(to_parent, &c, 1);
    _exit(2);
  }
  c = 'u';
  if (write_all(to_parent, &c, 1) != 0 || read_byte(from_parent, &c) != 0 || c != 'm') _exit(1); // maps written?
  if (setresgid(0, 0, 0) != 0 || setresuid(0, 0, 0) != 0) _exit(1);
  setsid();
  prctl(PR_SET_NAME, "stowage-pause", 0, 0, 0);
  signal(SIGHUP, SIG_IGN);
  signal(SIGINT, SIG_IGN);
  signal(SIGPIPE, SIG_IGN);

  char tmp[PATH_MAX], final[PATH_MAX], line[64];
  snprintf(tmp, sizeof tmp, "%s/userns.pid.tmp", run_dir);
  snprintf(final, sizeof final, "%s/userns.pid", run_dir);
  int n = snprintf(line, sizeof line, "%d %llu\n", (int)getpid(), own_start_time());
  int fd = open(tmp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (fd < 0 || write_all(fd, line, (size_t)n) != 0 || close(fd) != 0 || rename(tmp, final) != 0) {
    unlink(tmp);
    _exit(1);
  }
  // nothing of the caller's stays open: its pipes would never see an end
  int null = open("/dev/null", O_RDWR);
  if (null >= 0) {
    dup2(null, 0);
    dup2(null, 1);
    dup2(null, 2);
    if (null > 2) close(null);
  }
  (void)!chdir("/");
  c = 'r';
  (void)!write_all(to_parent, &c, 1);
  close(to_parent);
  close(from_parent);
  for (;;) pause();
}

/** Runs a uidmap tool on the pause process; its stderr goes to ours. 0 when it succeeded. */
static int run_map(const char *tool, pid_t pid, char **maps, int nmaps) {
  char pidarg[32];
  snprintf(pidarg, sizeof pidarg, "%d", (int)pid);
  char **args = calloc((size_t)nmaps + 3, sizeof *args);
  if (!args) return -1;
  args[0] = (char *)tool;
  args[1] = pidarg;
  for (int i = 0; i < nmaps; i++) args[i + 2] = maps[i];
  pid_t child = fork();
  if (child < 0) return -1;
  if (child == 0) {
    execvp(tool, args);
    fprintf(stderr, "%s: %s\n", tool, strerror(errno));
    _exit(127);
  }
  free(args);
  int status;
  while (waitpid(child, &status, 0) < 0 && errno == EINTR) {
  }
  return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

int main(int argc, char **argv) {
  if (argc < 3) {
    fprintf(stderr, "usage: %s RUN_DIR UID_MAP... -- GID_MAP...\n", argv[0]);
    return 1;
  }
  const char *run_dir = argv[1];
  int sep = 2;
  while (sep < argc && strcmp(argv[sep], "--") != 0) sep++;
  if (sep == 2 || sep >= argc - 1) {
    fprintf(stderr, "%s: both a uid map and a gid map are needed\n", argv[0]);
    return 1;
  }
  char lock_path[PATH_MAX];
  snprintf(lock_path, sizeof lock_path, "%s/userns.lock", run_dir);
  int lock = open(lock_path, O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock < 0 || flock(lock, LOCK_EX) != 0) {
    fprintf(stderr, "%s: %s: %s\n", argv[0], lock_path, strerror(errno));
    return 1;
  }
  // a racing command made it while we waited for the lock: joining it is enough
  uid_t me;
  userns_identity(&me);
  pid_t check = fork();
  if (check == 0) _exit(userns_join(run_dir) == 0 ? 0 : 1); // joins in a throwaway child
  int status;
  if (check > 0 && waitpid(check, &status, 0) == check && WIFEXITED(status) && WEXITSTATUS(status) == 0) return 0;

  int up[2], down[2];
  if (pipe2(up, O_CLOEXEC) != 0 || pipe2(down, O_CLOEXEC) != 0) return 1;
  pid_t pid = fork();
  if (pid < 0) return 1;
  if (pid == 0) {
    close(up[0]);
    close(down[1]);
    close(lock);
    pause_process(run_dir, up[1], down[0]);
  }
  close(up[1]);
  close(down[0]);
  char c = 0;
  int code = 1;
  if (read_byte(up[0], &c) != 0 || c != 'u') {
    if (c == 'U') fprintf(stderr, "cannot create a user namespace: the kernel refused it\n");
    code = c == 'U' ? 2 : 1;
  } else if (run_map("newuidmap", pid, argv + 2, sep - 2) != 0 || run_map("newgidmap", pid, argv + sep + 1, argc - sep - 1) != 0) {
    code = 3;
  } else {
    c = 'm';
    if (write_all(down[1], &c, 1) == 0 && read_byte(up[0], &c) == 0 && c == 'r') return 0; // the pause process runs on
  }
  kill(pid, SIGKILL);
  while (waitpid(pid, &status, 0) < 0 && errno == EINTR) {
  }
  return code;
}
