#!/bin/sh
# bench/machine.sh -- one paragraph describing the machine a benchmark ran
# on, for docs/benchmarks.md: CPU, cores, memory, OS, compiler, load.
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ *//')
flags=$(grep -m1 '^flags' /proc/cpuinfo | tr ' ' '\n' | grep -E '^(avx2|avx512f|avx512_vpopcntdq|sha_ni)$' | tr '\n' ' ')
mem=$(free -g | awk '/^Mem:/ {print $2 " GiB"}')
os=$(. /etc/os-release 2>/dev/null && echo "$PRETTY_NAME")
cc=$(cc --version | head -1)
echo "machine: $cpu, $(nproc) cores ($flags), $mem RAM, $os, $cc, load average $(cut -d' ' -f1-3 /proc/loadavg)"
