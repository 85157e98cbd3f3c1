// stowage's front end, the `stowage` on PATH. It runs `stowage exec` itself in
// the common case (-i, -e, -w; no terminal, no user, not detached) and hands
// every other command to the Node.js CLI (bin/stowage) unchanged. As conmon's exit
// command it also ends at once when the process the container is attached to has
// released the run itself (cleanup_left_to_owner).
//
// Why in C: Node.js alone takes about 60 ms to start on the machines stowage
// targets, as long as Docker's whole `exec` (a Go client asking a daemon that
// already runs). The fast path does what the Node CLI does for `exec`: find
// the container in the store's SQLite database, then `runc exec` with the
// container's own process (runc reads it from the bundle's config.json; the
// flags change args, env and cwd exactly as the Node CLI's process.json does).
//
// It is only ever a shortcut: when anything is unusual (a flag it does not
// know, no such container, not running) or runc fails before the process
// started (runc writes --pid-file only once it did), nothing has run yet and the
// Node CLI is started with the same arguments; it does the full work, or says
// what is wrong in Docker's words. STOWAGE_NO_FASTPATH=1 always takes that path.
//
// An ordinary user's commands run inside the user's own namespace (rootless,
// src/rootless/): the front end joins it first (native/userns.c), so that Node.js
// starts inside, single-threaded code being the only kind that can join a user
// namespace. When there is none yet, the Node CLI makes it (with its checks and
// messages) and comes back through here.
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sys/random.h>
#include <limits.h>
#include <poll.h>
#include <signal.h>
#include <sqlite3.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include "userns.h"

static int g_argc;
static char **g_argv;

// ---- the Node.js CLI ----

/** `node` as `#!/usr/bin/env node` would find it. */
static int find_node(char *out, size_t size) {
  const char *p = getenv("PATH");
  if (!p || !*p) p = "/usr/local/bin:/usr/bin:/bin";
  while (*p) {
    const char *end = strchr(p, ':');
    size_t len = end ? (size_t)(end - p) : strlen(p);
    if (len > 0 && (size_t)snprintf(out, size, "%.*s/node", (int)len, p) < size && access(out, X_OK) == 0) return 0;
    p += len + (end ? 1 : 0);
  }
  return -1;
}

/** <repo>/bin/stowage, <repo> being three levels above build/Release/stowage. */
static int node_cli(char *out, size_t size) {
  char self[PATH_MAX];
  ssize_t n = readlink("/proc/self/exe", self, sizeof self - 1);
  if (n <= 0) return -1;
  self[n] = 0;
  for (int up = 0; up < 3; up++) {
    char *slash = strrchr(self, '/');
    if (!slash) return -1;
    *slash = 0;
  }
  return (size_t)snprintf(out, size, "%s/bin/stowage", self) < size ? 0 : -1;
}

static void run_node_cli(void) {
  char node[PATH_MAX], cli[PATH_MAX];
  if (node_cli(cli, sizeof cli) != 0) {
    fprintf(stderr, "stowage: cannot locate bin/stowage next to %s\n", g_argv[0]);
    exit(127);
  }
  if (find_node(node, sizeof node) != 0) {
    fprintf(stderr, "stowage: node: not found in PATH (stowage runs on Node.js)\n");
    exit(127);
  }
  /* "--" before the script: Node.js 20 otherwise acts on an --env-file anywhere
     in argv, even one meant for `stowage run` (it reads the file into its own
     environment, or fails when it does not exist). */
  char **args = calloc((size_t)g_argc + 3, sizeof *args);
  if (!args) exit(125);
  args[0] = "node";
  args[1] = "--";
  args[2] = cli;
  for (int i = 1; i < g_argc; i++) args[i + 2] = g_argv[i];
  execv(node, args);
  fprintf(stderr, "stowage: %s: %s\n", node, strerror(errno));
  exit(127);
}

// ---- `exec`'s arguments ----

#define MAX_ENV 256

struct exec_request {
  const char *root, *runroot, *runtime;
  const char *default_root, *default_runroot; // the host's, or the user's (rootless)
  int interactive;
  const char *workdir;
  const char *env[MAX_ENV];
  int nenv;
  const char *container;
  char **cmd; // NULL-terminated, from argv
};

/** A flag's value: after '=' or the rest of a short cluster, else the next argument. */
static const char *flag_value(const char *inline_value, int *i) {
  if (inline_value) return inline_value;
  if (*i + 1 >= g_argc) return NULL;
  return g_argv[++*i];
}

/** -e as the Node CLI takes it (resolveEnv): NAME=VALUE, or NAME from our own environment. */
static int add_env(struct exec_request *r, const char *v) {
  if (!v || v[0] == '=' || r->nenv >= MAX_ENV) return -1; // `-e =x` is an error the Node CLI words
  if (strchr(v, '=')) {
    r->env[r->nenv++] = v;
    return 0;
  }
  const char *host = getenv(v);
  if (!host) return 0; // unset: dropped, as Docker does
  char *kv;
  if (asprintf(&kv, "%s=%s", v, host) < 0) return -1;
  r->env[r->nenv++] = kv;
  return 0;
}

/** Global options (--root, --runroot, --runtime): the index of the first other argument, or -1. */
static int parse_globals(struct exec_request *r) {
  r->root = getenv("STOWAGE_ROOT");
  r->runroot = getenv("STOWAGE_RUNROOT");
  r->runtime = getenv("STOWAGE_RUNTIME");
  if (!r->root || !*r->root) r->root = r->default_root;
  if (!r->runroot || !*r->runroot) r->runroot = r->default_runroot;
  if (!r->runtime || !*r->runtime) r->runtime = "runc";

  int i = 1;
  for (; i < g_argc && g_argv[i][0] == '-'; i++) {
    const char *a = g_argv[i];
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    const char **slot = NULL;
    if (len == 6 && strncmp(a, "--root", len) == 0) slot = &r->root;
    else if (len == 9 && strncmp(a, "--runroot", len) == 0) slot = &r->runroot;
    else if (len == 9 && strncmp(a, "--runtime", len) == 0) slot = &r->runtime;
    else return -1;
    if (!(*slot = flag_value(eq ? eq + 1 : NULL, &i))) return -1;
  }
  if (!r->root || !r->runroot) return -1; // a rootless user without a home: the Node CLI finds it
  return i;
}

/**
 * Global options, then `exec` or `container exec` and its -i/-e/-w flags up to
 * the container's name. 0 when the fast path applies.
 */
static int parse(struct exec_request *r) {
  int i = parse_globals(r);
  if (i < 0) return -1;
  if (i < g_argc && strcmp(g_argv[i], "container") == 0) i++;
  if (i >= g_argc || strcmp(g_argv[i], "exec") != 0) return -1;

  for (i++; i < g_argc; i++) {
    const char *a = g_argv[i];
    if (strcmp(a, "--") == 0) {
      i++;
      break;
    }
    if (a[0] != '-' || a[1] == 0) break;
    if (a[1] == '-') {
      const char *name = a + 2;
      const char *eq = strchr(name, '=');
      size_t len = eq ? (size_t)(eq - name) : strlen(name);
      if (len == 11 && strncmp(name, "interactive", len) == 0 && !eq) r->interactive = 1;
      else if (len == 3 && strncmp(name, "env", len) == 0) {
        if (add_env(r, flag_value(eq ? eq + 1 : NULL, &i)) != 0) return -1;
      } else if (len == 7 && strncmp(name, "workdir", len) == 0) {
        if (!(r->workdir = flag_value(eq ? eq + 1 : NULL, &i))) return -1;
      } else return -1; // -t, -d, -u, --privileged, --env-file, --help...: the Node CLI
      continue;
    }
    for (int j = 1; a[j]; j++) {
      if (a[j] == 'i') {
        r->interactive = 1;
        continue;
      }
      if (a[j] != 'e' && a[j] != 'w') return -1;
      const char *v = flag_value(a[j + 1] ? a + j + 1 : NULL, &i);
      if (a[j] == 'e' ? add_env(r, v) != 0 : !(r->workdir = v)) return -1;
      break;
    }
  }
  if (i + 1 >= g_argc) return -1; // no command: the Node CLI prints the usage error
  r->container = g_argv[i];
  r->cmd = g_argv + i + 1;
  return 0;
}

// ---- the store ----

/** One row of `sql` bound to `arg` (and its length first when `with_len`): id and runtime. */
static int lookup_one(sqlite3 *db, const char *sql, const char *arg, int with_len, char *id, size_t id_size, char *rt, size_t rt_size) {
  sqlite3_stmt *st;
  int found = 0;
  if (sqlite3_prepare_v2(db, sql, -1, &st, NULL) != SQLITE_OK) return -1;
  int k = 1;
  if (with_len) sqlite3_bind_int(st, k++, (int)strlen(arg));
  sqlite3_bind_text(st, k, arg, -1, SQLITE_STATIC);
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    if (++found > 1) break;
    const char *status = (const char *)sqlite3_column_text(st, 2);
    const char *runtime = (const char *)sqlite3_column_text(st, 1);
    // only a running container: anything else is for the Node CLI to word
    if (!status || strcmp(status, "running") != 0) found = -1;
    snprintf(id, id_size, "%s", (const char *)sqlite3_column_text(st, 0));
    snprintf(rt, rt_size, "%s", runtime ? runtime : "");
    if (found < 0) break;
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return -1;
  return found;
}

/** The store's database, read-only; NULL when it cannot be opened. */
static sqlite3 *open_store(const struct exec_request *r) {
  char dbpath[PATH_MAX];
  if ((size_t)snprintf(dbpath, sizeof dbpath, "%s/stowage.db", r->root) >= sizeof dbpath) return NULL;
  sqlite3 *db;
  if (sqlite3_open_v2(dbpath, &db, SQLITE_OPEN_READONLY, NULL) != SQLITE_OK) {
    sqlite3_close(db);
    return NULL;
  }
  sqlite3_busy_timeout(db, 10000);
  return db;
}

/** The container as the Node CLI finds it: full ID, then name, then unique ID prefix. */
static int find_container(const struct exec_request *r, char *id, size_t id_size, char *rt, size_t rt_size) {
  sqlite3 *db = open_store(r);
  if (!db) return -1;
  // exec_targets is a view of the schema (src/metadata/db.ts): the record's JSON stays out of this file.
  // A store not yet migrated to it fails the prepare, and the Node CLI (which migrates) takes over.
  // A --userns=keep-id container is the Node CLI's (it refuses exec there, with the reason).
  const char *cols = "SELECT id, runtime, status FROM exec_targets WHERE NOT keep_id AND";
  char sql[512];
  const char *name = r->container[0] == '/' ? r->container + 1 : r->container;
  int found;
  snprintf(sql, sizeof sql, "%s id = ?", cols);
  found = lookup_one(db, sql, r->container, 0, id, id_size, rt, rt_size);
  if (found == 0) {
    snprintf(sql, sizeof sql, "%s name = ?", cols);
    found = lookup_one(db, sql, name, 0, id, id_size, rt, rt_size);
  }
  if (found == 0 && strspn(r->container, "0123456789abcdef") == strlen(r->container)) {
    snprintf(sql, sizeof sql, "%s substr(id, 1, ?) = ?", cols);
    found = lookup_one(db, sql, r->container, 1, id, id_size, rt, rt_size);
  }
  sqlite3_close(db);
  return found == 1 ? 0 : -1;
}

// ---- conmon's exit command ----

/**
 * `container cleanup --run RUN [--owner PID:START] ID`, conmon's exit command. A
 * container started attached (`docker run` through the service, the CLI's `run`
 * without -d) has its run released by the process it is attached to, which sees the
 * exit first (--owner names it); a Node.js started beside it costs the machine about
 * 0.1 s of CPU to find nothing left. So while the owner lives (2 s at most), the store
 * is watched: the record gone, in a later run, or its run released after an exit
 * (what the Node CLI's clean-up would find and leave) ends it here. Otherwise, as
 * without --owner, the Node CLI does the clean-up (it is idempotent).
 */
static int cleanup_left_to_owner(struct exec_request *r) {
  int i = parse_globals(r);
  if (i < 0 || i + 1 >= g_argc || strcmp(g_argv[i], "container") != 0 || strcmp(g_argv[i + 1], "cleanup") != 0) return 0;
  const char *run = NULL, *owner = NULL, *id = NULL;
  for (i += 2; i < g_argc; i++) {
    const char *a = g_argv[i];
    if (a[0] != '-') {
      if (id) return 0;
      id = a;
      continue;
    }
    const char *eq = strchr(a, '=');
    size_t len = eq ? (size_t)(eq - a) : strlen(a);
    const char **slot = NULL;
    if (len == 5 && strncmp(a, "--run", len) == 0) slot = &run;
    else if (len == 7 && strncmp(a, "--owner", len) == 0) slot = &owner;
    else return 0;
    if (!(*slot = flag_value(eq ? eq + 1 : NULL, &i))) return 0;
  }
  int pid;
  unsigned long long start;
  if (!run || !owner || !id || sscanf(owner, "%d:%llu", &pid, &start) != 2 || pid <= 0) return 0;
  // conmon passes the full ID: anything else (a name, a prefix) is for the Node CLI to find
  if (strlen(id) != 64 || strspn(id, "0123456789abcdef") != 64) return 0;
  sqlite3 *db = open_store(r);
  if (!db) return 0;
  sqlite3_stmt *st;
  // container_runs is a view of the schema (src/metadata/db.ts); an older store fails the prepare
  if (sqlite3_prepare_v2(db, "SELECT run_id, released_run, status FROM container_runs WHERE id = ?", -1, &st, NULL) != SQLITE_OK) {
    sqlite3_close(db);
    return 0;
  }
  sqlite3_bind_text(st, 1, id, -1, SQLITE_STATIC);
  int left = 0;
  for (int waited = 0; waited <= 2000; waited += 10) {
    int rc = sqlite3_step(st);
    if (rc == SQLITE_DONE) left = 1; // removed
    else if (rc == SQLITE_ROW) {
      const char *run_id = (const char *)sqlite3_column_text(st, 0);
      const char *released = (const char *)sqlite3_column_text(st, 1);
      const char *status = (const char *)sqlite3_column_text(st, 2);
      if (!run_id || strcmp(run_id, run) != 0) left = 1; // a later run: not this command's
      else if (released && strcmp(released, run) == 0 && status && strcmp(status, "exited") == 0) left = 1;
    } else break;
    sqlite3_reset(st);
    if (left || start_time(pid) != start) break;
    poll(NULL, 0, 10);
  }
  sqlite3_finalize(st);
  sqlite3_close(db);
  return left;
}

// ---- runc exec ----

static pid_t g_child;

static void forward(int sig) {
  if (g_child > 0) kill(g_child, sig);
}

static void cleanup(const char *dir, const char *pid_file, const char *log_file) {
  unlink(pid_file);
  unlink(log_file);
  rmdir(dir);
}

/**
 * `runc exec` in the foreground, its stderr held back until runc wrote the pid
 * file (the process started). Returns the process's exit status, or -1 when runc
 * failed before the process started.
 */
/**
 * A fresh directory in the store's temporary area, named as the Node CLI names
 * its entries there (prefix-pid-starttime-hex): if this process is killed, the
 * next clean-up of the store sees it is gone and removes what it left.
 */
static int make_tmp_dir(const char *root, char *out, size_t len) {
  char stat[1024];
  int fd = open("/proc/self/stat", O_RDONLY | O_CLOEXEC);
  if (fd < 0) return -1;
  ssize_t n = read(fd, stat, sizeof stat - 1);
  close(fd);
  if (n <= 0) return -1;
  stat[n] = 0;
  char *p = strrchr(stat, ')');
  if (!p || !p[1]) return -1;
  p += 2; // fields after the command name: state is the first, start time the twentieth
  for (int field = 0; field < 19 && p; field++) {
    p = strchr(p, ' ');
    if (p) p++;
  }
  if (!p) return -1;
  unsigned long long start = strtoull(p, NULL, 10);
  unsigned char rnd[6];
  if (getrandom(rnd, sizeof rnd, 0) != (ssize_t)sizeof rnd) return -1;
  if ((size_t)snprintf(out, len, "%s/tmp/exec-%d-%llu-%02x%02x%02x%02x%02x%02x", root, (int)getpid(), start, rnd[0], rnd[1], rnd[2], rnd[3], rnd[4], rnd[5]) >= len) return -1;
  return mkdir(out, 0700);
}

static int runc_exec(const struct exec_request *r, const char *id, const char *runtime) {
  char dir[PATH_MAX], pid_file[PATH_MAX + 8], log_file[PATH_MAX + 8], runc_root[PATH_MAX];
  if (make_tmp_dir(r->root, dir, sizeof dir) != 0) return -1;
  snprintf(pid_file, sizeof pid_file, "%s/pid", dir);
  snprintf(log_file, sizeof log_file, "%s/log", dir);
  snprintf(runc_root, sizeof runc_root, "%s/runc", r->runroot);

  int nargs = 0;
  for (char **c = r->cmd; *c; c++) nargs++;
  const char **args = calloc((size_t)(16 + 2 * r->nenv + nargs), sizeof *args);
  if (!args) return -1;
  int k = 0;
  args[k++] = runtime;
  args[k++] = "--root";
  args[k++] = runc_root;
  args[k++] = "--log-format";
  args[k++] = "json";
  args[k++] = "--log";
  args[k++] = log_file;
  args[k++] = "exec";
  for (int e = 0; e < r->nenv; e++) {
    args[k++] = "--env";
    args[k++] = r->env[e];
  }
  if (r->workdir) {
    args[k++] = "--cwd";
    args[k++] = r->workdir;
  }
  args[k++] = "--pid-file";
  args[k++] = pid_file;
  args[k++] = id;
  for (char **c = r->cmd; *c; c++) args[k++] = *c;

  int err[2];
  if (pipe2(err, O_CLOEXEC) != 0) return -1;
  // a terminal's ^C and ^\ reach runc too (same process group): runc passes them on
  signal(SIGINT, SIG_IGN);
  signal(SIGQUIT, SIG_IGN);
  g_child = fork();
  if (g_child < 0) return -1;
  if (g_child == 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    if (!r->interactive) {
      int null = open("/dev/null", O_RDONLY);
      if (null < 0 || dup2(null, 0) < 0) _exit(125);
    }
    if (dup2(err[1], 2) < 0) _exit(125);
    execvp(runtime, (char **)args);
    fprintf(stderr, "exec: \"%s\": %s\n", runtime, strerror(errno));
    _exit(127);
  }
  close(err[1]);
  free(args);
  struct sigaction sa = {0};
  sa.sa_handler = forward;
  sa.sa_flags = SA_RESTART;
  for (int s = 0, sigs[] = {SIGTERM, SIGHUP, SIGUSR1, SIGUSR2}; s < 4; s++) sigaction(sigs[s], &sa, NULL);

  char *held = NULL;
  size_t held_len = 0;
  int started = 0;
  struct pollfd p = {.fd = err[0], .events = POLLIN};
  for (;;) {
    int ready = poll(&p, 1, started ? -1 : 20);
    if (ready < 0 && errno != EINTR) break;
    if (!started && access(pid_file, F_OK) == 0) {
      started = 1;
      if (held_len) (void)!write(2, held, held_len);
      held_len = 0;
    }
    if (ready <= 0) continue;
    char buf[65536];
    ssize_t n = read(err[0], buf, sizeof buf);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;
    if (started) {
      (void)!write(2, buf, (size_t)n);
    } else {
      char *grown = realloc(held, held_len + (size_t)n);
      if (!grown) break;
      held = grown;
      memcpy(held + held_len, buf, (size_t)n);
      held_len += (size_t)n;
    }
  }
  close(err[0]);
  int status;
  while (waitpid(g_child, &status, 0) < 0 && errno == EINTR) {
  }
  if (!started && access(pid_file, F_OK) == 0) started = 1;
  int code = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
  cleanup(dir, pid_file, log_file);
  if (!started && code != 0) {
    free(held);
    return -1;
  }
  if (held_len) (void)!write(2, held, held_len);
  free(held);
  return code;
}

/**
 * An ordinary user: into the user's namespace (or on to the Node CLI, which
 * makes it), with the user's default store and run directories.
 */
static void rootless(struct exec_request *r) {
  static char run_dir[PATH_MAX], data_dir[PATH_MAX], tmp_dir[PATH_MAX + 8];
  uid_t host_uid;
  enum identity who = userns_identity(&host_uid);
  if (who == ID_ROOT) {
    r->default_root = "/var/lib/stowage";
    r->default_runroot = "/run/stowage";
    return;
  }
  if (userns_run_dir(host_uid, run_dir, sizeof run_dir) != 0) run_node_cli();
  if (who == ID_OUTSIDE) {
    if (userns_join(run_dir) != 0) run_node_cli();
    unsetenv("STOWAGE_USERNS_TRIED"); // the Node CLI's guard against trying twice
  }
  r->default_runroot = run_dir;
  if (userns_data_dir(data_dir, sizeof data_dir) == 0) r->default_root = data_dir;
  // temporary files stay in the user's run directory (the Node CLI does the same)
  const char *tmp = getenv("TMPDIR");
  if (!tmp || !*tmp) {
    snprintf(tmp_dir, sizeof tmp_dir, "%s/tmp", run_dir);
    if (mkdir(tmp_dir, 0700) == 0 || errno == EEXIST) setenv("TMPDIR", tmp_dir, 1);
  }
}

int main(int argc, char **argv) {
  g_argc = argc;
  g_argv = argv;
  const char *off = getenv("STOWAGE_NO_FASTPATH");
  struct exec_request r = {0};
  rootless(&r);
  char id[128], runtime[PATH_MAX];
  if (off && *off && strcmp(off, "0") != 0) run_node_cli();
  if (cleanup_left_to_owner(&r)) return 0;
  if (parse(&r) != 0 || find_container(&r, id, sizeof id, runtime, sizeof runtime) != 0) run_node_cli();
  int code = runc_exec(&r, id, runtime[0] ? runtime : r.runtime);
  if (code < 0) {
    signal(SIGINT, SIG_DFL);
    signal(SIGQUIT, SIG_DFL);
    run_node_cli();
  }
  return code;
}
