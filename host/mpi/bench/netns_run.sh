#!/bin/sh
# Runs clpool-mpi-bench with one rank in each of two network namespaces made
# here (a veth pair, 10.200.250.1 and .2), Open MPI over TCP between them: the
# figures of a map that crosses a network, on one machine. Needs root and ip.
#
#   host/mpi/bench/netns_run.sh build/clpool-mpi-bench --workload chunkcost
#
# The namespaces are removed when it ends.
set -eu
bench="$(cd "$(dirname "$1")" && pwd)/$(basename "$1")"; shift
a=clpool-bench-a-$$ b=clpool-bench-b-$$ net=10.200.250
dir=$(mktemp -d /tmp/clpool-netns-XXXXXX)
cleanup() { ip netns del "$a" 2>/dev/null || :; ip netns del "$b" 2>/dev/null || :; rm -rf "$dir"; }
trap cleanup EXIT
ip netns add "$a"; ip netns add "$b"
ip link add cpba$$ type veth peer name cpbb$$
ip link set cpba$$ netns "$a"; ip link set cpbb$$ netns "$b"
ip -n "$a" addr add $net.1/24 dev cpba$$; ip -n "$b" addr add $net.2/24 dev cpbb$$
for ns in "$a" "$b"; do ip -n "$ns" link set lo up; done
ip -n "$a" link set cpba$$ up; ip -n "$b" link set cpbb$$ up
# Open MPI starts the remote daemon through an rsh agent: "agent host command".
cat > "$dir/agent" <<AGENT
#!/bin/sh
host="\$1"; shift
case "\$host" in $net.1) ns=$a ;; *) ns=$b ;; esac
exec ip netns exec "\$ns" /bin/sh -c "\$*"
AGENT
chmod 700 "$dir/agent"
printf '%s slots=1\n%s slots=1\n' $net.1 $net.2 > "$dir/hosts"
export OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
# Both "hosts" are this machine: binding each rank to its first core would put
# both on core 0.
ip netns exec "$a" mpirun --hostfile "$dir/hosts" -n 2 --bind-to none --mca plm_rsh_agent "$dir/agent" \
    --mca btl tcp,self --mca btl_tcp_if_include $net.0/24 --mca oob_tcp_if_include $net.0/24 \
    "$bench" "$@"
