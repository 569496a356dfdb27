# Reads one tracefs trace of a traced "vzctl start" (syscalls, sched_process_*, cgroup_attach_task
# events of vzctl and its children) and prints one line of phase durations in ms:
#   total pre attach tasks_write clone_ns init_setup init_wait after fsync init_mounts syscalls
# total: exec of vzctl to its exit; pre: exec to the fork of the helper; attach: helper fork to its
# last cgroup attach (tasks_write: its slowest write, the first attach); clone_ns: the helper's
# clone() with the new namespaces; init_setup: init's fork to its exec of /sbin/init (init_wait:
# its slowest read, waiting for the parent); after: init's exec to vzctl's exit; fsync: all of
# vzctl's fsync(); init_mounts: init's mount/umount2/pivot_root; syscalls: count, all processes.
function pid_of(s, a, n) { n = split(s, a, "-"); return a[n] }
function ts_of(s) { sub(":", "", s); return s + 0 }
{
	p = pid_of($1); t = ts_of($4)
}
/sched_process_exec: filename=.*vzctl / && !parent { parent = p; t_exec = t; next }
/sched_process_fork: / {
	match($0, /child_pid=[0-9]+/); c = substr($0, RSTART + 10, RLENGTH - 10)
	if (p == parent && !helper) { helper = c; t_fork = t }
	else if (p == helper && !init) { init = c; t_ifork = t }
	next
}
/sched_process_exec: / && p == init { t_iexec = t; next }
/sched_process_exit: / && p == parent { t_exit = t; next }
/cgroup_attach_task: / && p == helper { t_attach = t; next }
/ sys_[a-z0-9_]+\(/ {
	match($0, / sys_[a-z0-9_]+\(/); st[p] = t; nm[p] = substr($0, RSTART + 5, RLENGTH - 6); nsys++
	next
}
/ sys_[a-z0-9_]+ -> / {
	if (!(p in st)) next
	d = (t - st[p]) * 1000; n = nm[p]; delete st[p]
	if (p == parent && n == "fsync") fsync += d
	if (p == helper && n == "write" && d > tw) tw = d
	if (p == helper && n == "clone") cl = d
	if (p == init && !t_iexec && n == "read" && d > iw) iw = d
	if (p == init && (n == "mount" || n == "umount2" || n == "pivot_root")) im += d
}
END {
	if (!parent || !helper || !init || !t_iexec || !t_exit) { print "incomplete"; exit 1 }
	ms = 1000
	printf "%.3f %.3f %.3f %.3f %.3f %.3f %.3f %.3f %.3f %.3f %d\n", (t_exit - t_exec) * ms,
		(t_fork - t_exec) * ms, (t_attach - t_fork) * ms, tw, cl, (t_iexec - t_ifork) * ms, iw,
		(t_exit - t_iexec) * ms, fsync, im, nsys
}
