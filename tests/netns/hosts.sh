#!/usr/bin/env bash
# A small real network of test hosts for smsctl's integration tests: a "hub" network namespace
# (where the tool under test runs, via `ip netns exec`) bridged to N "remote" namespaces, each
# running a real OpenSSH sshd. Every address lives only inside namespaces made here.
#
#   hosts.sh up DIR [N_REMOTES=2]        build it in the empty DIR; prints DIR/hosts.json on stdout
#   hosts.sh down DIR                    tear down; idempotent, safe after a partial or failed up
#   hosts.sh sshd-stop|sshd-start DIR rI stop/start one remote's sshd (start waits for a real login)
#   hosts.sh link-down|link-up DIR rI    take the hub-side veth of one remote down/up
#
# Exit codes: 0 ok, 1 failure, 2 usage, 3 missing tools or not root.
set -Eeuo pipefail
shopt -s nullglob

SSHD=/usr/sbin/sshd
PROG=${0##*/}
DEADLINE=10   # seconds allowed for an sshd to accept a login

die() { printf '%s: %s\n' "$PROG" "$*" >&2; exit 1; }
usage() { sed -n '6,9s/^#  */usage: /p' "$0" >&2; exit 2; }

need_tools() {
    local missing=()
    command -v ip >/dev/null || missing+=("ip (iproute2)")
    [[ -x $SSHD ]] || missing+=("$SSHD (openssh-server)")
    command -v ssh >/dev/null || missing+=("ssh (openssh-client)")
    command -v ssh-keygen >/dev/null || missing+=("ssh-keygen (openssh-client)")
    if ((${#missing[@]})); then
        printf '%s: missing: %s\n  install with: apt-get install -y --no-install-recommends openssh-server openssh-client iproute2\n' \
            "$PROG" "${missing[*]}" >&2
        exit 3
    fi
    [[ $EUID -eq 0 ]] || { echo "$PROG: must run as root (it creates network namespaces)" >&2; exit 3; }
}

# Poll until a command succeeds or SECS pass; tests must not depend on fixed sleeps.
wait_for() {
    local end=$((SECONDS + $1)); shift
    until "$@"; do ((SECONDS < end)) || return 1; sleep 0.1; done
}

# Sets D (absolute DIR), ID and HUB from a DIR that `up` has (at least started to) populate.
load() {
    [[ -n ${1:-} ]] || usage
    [[ -d $1 ]] || die "no such directory: $1"
    D=$(cd "$1" && pwd -P)
    [[ -s $D/id ]] || die "$D/id missing: not a DIR made by '$PROG up'"
    ID=$(<"$D/id")
    [[ $ID =~ ^[0-9a-f]+$ ]] || die "bad id in $D/id"
    HUB=sms$ID-hub
}

# Sets R, RNS, RADDR for remote name $1 from hosts.env (only complete networks have one).
remote() {
    [[ ${1:-} =~ ^r[0-9]+$ ]] || usage
    [[ -s $D/hosts.env ]] || die "$D/hosts.env missing: '$PROG up' did not finish"
    # shellcheck source=/dev/null
    source "$D/hosts.env"
    local v=${1^^}_ADDR
    [[ -n ${!v:-} ]] || die "no remote $1 in $D"
    R=$1 RNS=sms$ID-$1 RADDR=${!v}
}

ssh_ok() {  # ADDR: a real login from the hub, not just an open port
    ip netns exec "$HUB" ssh -F "$D/ssh_config" -o ConnectTimeout=2 -n "root@$1" true >/dev/null 2>&1
}

# The pid in RDIR/sshd.pid, if it is still the sshd we started with RDIR's config: a pid file can
# outlive its process and the pid be reused, and we must never kill anything else.
our_sshd() {
    local pid
    pid=$(cat "$1/sshd.pid" 2>/dev/null) && [[ $pid =~ ^[0-9]+$ ]] || return 1
    tr '\0' ' ' <"/proc/$pid/cmdline" 2>/dev/null | grep -qF -- "-f $1/sshd_config" || return 1
    echo "$pid"
}

gone() {  # a zombie counts as gone: its reaper is not us
    [[ ! -r /proc/$1/stat ]] || [[ $(sed 's/.*) //; s/ .*//' "/proc/$1/stat" 2>/dev/null) == Z ]]
}

stop_sshd() {  # RDIR
    local pid
    if pid=$(our_sshd "$1"); then
        kill "$pid" 2>/dev/null || true
        wait_for 5 gone "$pid" || kill -KILL "$pid" 2>/dev/null || true
    fi
    rm -f "$1/sshd.pid"
}

start_sshd() {  # RDIR NS ADDR
    our_sshd "$1" >/dev/null && return 0
    [[ -d /run/sshd ]] || mkdir -m 0755 /run/sshd   # privsep chroot: sshd refuses to start without it
    # Its own stdio goes to the log, so a caller reading our stdout to EOF never waits on the daemon.
    # shellcheck disable=SC2094  # sshd -E appends too; nothing reads the log here
    ip netns exec "$2" "$SSHD" -f "$1/sshd_config" -E "$1/sshd.log" </dev/null >>"$1/sshd.log" 2>&1 ||
        die "sshd in $2 failed to start: $(tail -n 5 "$1/sshd.log" 2>/dev/null)"
}

wait_sshd() {  # RDIR NS ADDR
    wait_for "$DEADLINE" ssh_ok "$3" ||
        die "sshd in $2 ($3) did not accept a login within ${DEADLINE}s; sshd.log: $(tail -n 5 "$1/sshd.log" 2>/dev/null)"
}

json_str() { local s=${1//\\/\\\\}; printf '"%s"' "${s//\"/\\\"}"; }

cmd_down() {
    [[ -n ${1:-} ]] || usage
    [[ -d $1 && -s $1/id ]] || return 0   # nothing was ever created, or already cleaned away
    local D ID rdir ns pid
    D=$(cd "$1" && pwd -P); ID=$(<"$D/id")
    [[ $ID =~ ^[0-9a-f]+$ ]] || return 0
    for rdir in "$D"/r*/; do stop_sshd "${rdir%/}"; done
    for ns in $(ip netns list 2>/dev/null | awk -v p="sms$ID-" 'index($1, p) == 1 {print $1}'); do
        # Sessions forked by sshd outlive the listener and would keep the namespace alive; nothing
        # but our sshd ever runs in a remote namespace, so whatever is left there is ours.
        if [[ $ns != *-hub ]]; then
            for pid in $(ip netns pids "$ns" 2>/dev/null); do kill -KILL "$pid" 2>/dev/null || true; done
        fi
        ip netns del "$ns" 2>/dev/null || true   # the veth pairs go with their namespaces
    done
    return 0
}

on_up_exit() {
    local rc=$?
    trap - ERR
    ((rc)) || return 0
    [[ -n ${ERR_AT:-} ]] && printf '%s: up failed at %s\n' "$PROG" "$ERR_AT" >&2
    printf '%s: up failed (exit %d); tearing down %s\n' "$PROG" "$rc" "${D:-}" >&2
    [[ -n ${D:-} ]] && cmd_down "$D" >&2 || true
    exit "$rc"
}

cmd_up() {
    [[ -n ${1:-} && -d $1 ]] || usage
    local n=${2:-2} i r ns addr rdir
    if [[ ! $n =~ ^[1-9][0-9]*$ ]] || ((n > 200)); then die "N_REMOTES must be 1..200, got '$n'"; fi
    D=$(cd "$1" && pwd -P)
    [[ -z $(ls -A "$D") ]] || die "$D is not empty"
    ID=$(od -An -N4 -tx1 /dev/urandom | tr -d ' \n')
    echo "$ID" >"$D/id"   # first, so that down can always find what we made
    trap on_up_exit EXIT
    trap 'ERR_AT="line $LINENO: $BASH_COMMAND"' ERR
    trap 'exit 130' INT TERM
    HUB=sms$ID-hub
    # Addresses are private to our namespaces; randomness only keeps logs of parallel runs apart.
    local net=10.$((200 + RANDOM % 51)).$((RANDOM % 256))
    local hub_addr=$net.1

    ip netns add "$HUB"
    ip -n "$HUB" link set lo up
    ip -n "$HUB" link add br0 type bridge
    ip -n "$HUB" addr add "$hub_addr/24" dev br0
    ip -n "$HUB" link set br0 up

    ssh-keygen -q -t ed25519 -N '' -C "sms$ID-client" -f "$D/id_ed25519"
    cp "$D/id_ed25519.pub" "$D/authorized_keys"
    : >"$D/known_hosts"
    printf 'Host *\n  UserKnownHostsFile %s\n  IdentityFile %s\n  IdentitiesOnly yes\n  StrictHostKeyChecking yes\n  BatchMode yes\n  ConnectTimeout 5\n' \
        "$D/known_hosts" "$D/id_ed25519" >"$D/ssh_config"
    { echo "SMS_NETNS_ID=$ID"; echo "SMS_NETNS_DIR=$(printf %q "$D")"; echo "N_REMOTES=$n"
      echo "HUB_NS=$HUB"; echo "HUB_ADDR=$hub_addr"; echo "SSH_CONFIG=$(printf %q "$D/ssh_config")"; } >"$D/hosts.env.tmp"

    for ((i = 1; i <= n; i++)); do
        r=r$i ns=sms$ID-r$i addr=$net.$((1 + i)) rdir=$D/r$i
        mkdir "$rdir"
        ip netns add "$ns"
        ip -n "$ns" link set lo up
        # Created inside the hub namespace, so no interface name ever appears in the host's namespace.
        ip -n "$HUB" link add "v$r" type veth peer name eth0 netns "$ns"
        ip -n "$HUB" link set "v$r" master br0 up
        ip -n "$ns" addr add "$addr/24" dev eth0
        ip -n "$ns" link set eth0 up
        ip -n "$ns" route add default via "$hub_addr"
        ssh-keygen -q -t ed25519 -N '' -C "$ns" -f "$rdir/ssh_host_ed25519_key"
        printf '%s\n' "ListenAddress $addr" "Port 22" "HostKey $rdir/ssh_host_ed25519_key" \
            "PidFile $rdir/sshd.pid" "AuthorizedKeysFile $D/authorized_keys" \
            "PermitRootLogin prohibit-password" "PasswordAuthentication no" \
            "KbdInteractiveAuthentication no" "UsePAM no" "StrictModes no" "LogLevel VERBOSE" \
            "Subsystem sftp internal-sftp" >"$rdir/sshd_config"
        echo "$addr $(cut -d' ' -f1,2 "$rdir/ssh_host_ed25519_key.pub")" >>"$D/known_hosts"
        printf '%s\n' "R${i}_NS=$ns" "R${i}_ADDR=$addr" "R${i}_VETH=v$r" >>"$D/hosts.env.tmp"
    done
    # Start all, then wait for each, so the daemons come up in parallel.
    for ((i = 1; i <= n; i++)); do start_sshd "$D/r$i" "sms$ID-r$i" "$net.$((1 + i))"; done
    for ((i = 1; i <= n; i++)); do wait_sshd "$D/r$i" "sms$ID-r$i" "$net.$((1 + i))"; done

    local remotes=() pid
    for ((i = 1; i <= n; i++)); do
        pid=$(our_sshd "$D/r$i") || die "sshd of r$i has no live pid file"
        echo "R${i}_SSHD_PID=$pid" >>"$D/hosts.env.tmp"
        remotes+=("{\"name\":\"r$i\",\"ns\":\"sms$ID-r$i\",\"addr\":\"$net.$((1 + i))\",\"hub_veth\":\"vr$i\",\"sshd_pid\":$pid}")
    done
    mv "$D/hosts.env.tmp" "$D/hosts.env"
    local IFS=,
    printf '{"id":"%s","hub":{"ns":"%s","addr":"%s"},"remotes":[%s],"ssh_config":%s,"dir":%s}\n' \
        "$ID" "$HUB" "$hub_addr" "${remotes[*]}" "$(json_str "$D/ssh_config")" "$(json_str "$D")" >"$D/hosts.json"
    trap - EXIT ERR INT TERM
    cat "$D/hosts.json"
}

cmd=${1:-}; shift || true
case $cmd in
    up) need_tools; cmd_up "$@" ;;
    down) command -v ip >/dev/null || exit 0; cmd_down "$@" ;;   # without ip nothing can exist
    sshd-stop) need_tools; load "${1:-}"; remote "${2:-}"; stop_sshd "$D/$R" ;;
    sshd-start) need_tools; load "${1:-}"; remote "${2:-}"
        start_sshd "$D/$R" "$RNS" "$RADDR"; wait_sshd "$D/$R" "$RNS" "$RADDR" ;;
    link-down) need_tools; load "${1:-}"; remote "${2:-}"; ip -n "$HUB" link set "v$R" down ;;
    link-up) need_tools; load "${1:-}"; remote "${2:-}"; ip -n "$HUB" link set "v$R" up
        # Report success only once frames can flow again: carrier at the remote, port forwarding.
        wait_for 5 eval "ip -n $RNS -o link show eth0 | grep -q LOWER_UP && ip -n $HUB -d -o link show v$R | grep -q 'state forwarding'" ||
            die "link of $R did not come back up" ;;
    *) usage ;;
esac
