#!/bin/sh
# Runs one Trainyard attempt: `run-wrapper.sh EXIT_FILE CMD [ARG...]`.
# Records the command's exit status in EXIT_FILE (atomically, by rename) so that a server
# started after the one that launched it can learn how it ended. Trainyard signals the whole
# process group; the trap keeps this shell alive until the command has ended so that it can
# write the status. Statuses above 128 mean "killed by signal (status - 128)".
exit_file=$1
shift
trap ':' TERM INT HUP
"$@"
status=$?
printf '%s\n' "$status" >"$exit_file.tmp" && mv -f "$exit_file.tmp" "$exit_file"
exit "$status"
