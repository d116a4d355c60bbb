#!/bin/sh
# Runs one Trainyard attempt: `run-wrapper.sh RUN_DIR CMD [ARG...]`.
# Writes this shell's pid to RUN_DIR/pid first (a builtin, so no child exists before the
# command's), so that a server that died before recording the run's handle can find it. Records
# the command's exit status in RUN_DIR/exit-status (atomically, by rename) so that a server
# started after the one that launched it can learn how it ended. Trainyard signals the whole
# process group; the trap keeps this shell alive until the command has ended so that it can
# write the status. Statuses above 128 mean "killed by signal (status - 128)".
run_dir=$1
shift
printf '%s\n' "$$" >"$run_dir/pid"
trap ':' TERM INT HUP
"$@"
status=$?
printf '%s\n' "$status" >"$run_dir/exit-status.tmp" && mv -f "$run_dir/exit-status.tmp" "$run_dir/exit-status"
exit "$status"
