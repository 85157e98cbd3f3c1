// The rootless user namespace, as the C parts see it (native/userns.c): who we
// are, where a user's run state is, and joining the namespace a user's first
// command made (its pause process). The Node CLI does the rest (src/rootless/).
#ifndef STOWAGE_USERNS_H
#define STOWAGE_USERNS_H
#include <stddef.h>
#include <sys/types.h>

enum identity {
  ID_ROOT = 0,    // the host's root: everything as before
  ID_OUTSIDE = 1, // an ordinary user outside its namespace (the launcher joins it)
  ID_INSIDE = 2,  // root of an ordinary user's namespace (joined, or a child of a joined process)
};

/** Which of the three this process is; *host_uid is the user's own ID on the host. */
enum identity userns_identity(uid_t *host_uid);

/** The user's run directory: $XDG_RUNTIME_DIR/stowage, else /tmp/stowage-run-UID. */
int userns_run_dir(uid_t host_uid, char *out, size_t size);

/** The user's store: $XDG_DATA_HOME/stowage, else $HOME/.local/share/stowage. */
int userns_data_dir(char *out, size_t size);

/**
 * Joins the user and mount namespaces of the pause process recorded in
 * <run_dir>/userns.pid, as root of the namespace, keeping the working directory.
 * 0 when joined; 1 when there is none (or it is gone); -1 on an error (errno).
 */
int userns_join(const char *run_dir);

/** Field 22 of /proc/PID/stat (start time in clock ticks), or 0 when the process is gone (or a zombie). */
unsigned long long start_time(pid_t pid);

#endif
