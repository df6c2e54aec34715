#!/bin/sh
# normalize-transcript.sh: turns a console log of the demo kernel into the form that is the same on every
# correct emulator and firmware (compare it with kernel/transcript.expected):
#
#   1. everything before the kernel's first line (the firmware's banner) goes, and so do carriage returns;
#   2. so do the lines that describe the firmware, the board or the run rather than the kernel:
#      "sbi: ...", "dtb: model ...", "stats: ..." and "measure: ...";
#   3. between "kernel: N processes ..." and "kernel: summary" the processes' lines interleave as the timer
#      decides: they are regrouped by process, in pid order (a line belongs to pid N when it starts with the
#      program's name and a colon, or with "kernel: pid N "), keeping each process's own order; "echo:" lines
#      and anything else follow, in their order.
#
# usage: normalize-transcript.sh [LOG] > NORMALIZED
exec awk '
{ sub(/\r$/, "") }
!started && /^kernel: Ringside demo kernel/ { started = 1 }
!started { next }
/^(sbi|stats|measure):/ || /^dtb: model/ { next }
phase == 0 {
    if ($0 ~ /^proc: pid [0-9]+ /) {
        n = split(substr($0, 7), parts, ", ")
        for (i = 1; i <= n; i++) {
            split(parts[i], w, " ")
            pidof[w[3]] = w[2] + 0
            if (w[2] + 0 > maxpid) maxpid = w[2] + 0
        }
    }
    print
    if ($0 ~ /^kernel: [0-9]+ processes/) phase = 1
    next
}
phase == 1 && /^kernel: summary/ {
    for (i = 1; i <= maxpid; i++) printf "%s", buf[i]
    printf "%s", rest
    phase = 2
}
phase == 1 {
    owner = 0
    if ($0 ~ /^kernel: pid [0-9]+ /) {
        split($0, w, " ")
        owner = w[3] + 0
    } else if (match($0, /^[a-z]+:/)) {
        name = substr($0, 1, RLENGTH - 1)
        if (name in pidof) owner = pidof[name]
    }
    if (owner) buf[owner] = buf[owner] $0 "\n"
    else rest = rest $0 "\n"
    next
}
{ print }
' "$@"
