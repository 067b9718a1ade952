#!/bin/sh
# Mast's launcher: what systemd (or a person) starts. It decides which slot runs, and it alone
# rolls an update back; the runtime never replaces it.
#
#   launcher ROOT [ARGS...]      runs ROOT/slots/SLOT/bin/mast ARGS...
#
# ROOT/boot holds key=value lines, replaced whole (written aside, synced, renamed, directory synced):
#   active=a|b      the slot that proved itself
#   trial=a|b|      a slot installed and not yet committed (empty: none)
#   tries=N         starts of the trial slot so far
#   last=TEXT       the outcome the runtime reports next (committed..., rolled_back...)
# A trial slot gets MAST_MAX_TRIES starts (default 3). One more start without the runtime's commit
# (which rewrites boot with active=trial) means the update failed: trial is cleared, last says
# why, and the active slot runs. A missing or unreadable boot file runs slot a.
set -u
root="${1:?usage: launcher ROOT [ARGS...]}"
shift
max_tries="${MAST_MAX_TRIES:-3}"
boot="$root/boot"

active=a
trial=
tries=0
last=
if [ -r "$boot" ]; then
  while IFS='=' read -r key value; do
    case "$key" in
      active) case "$value" in a|b) active="$value" ;; esac ;;
      trial) case "$value" in a|b) trial="$value" ;; *) trial= ;; esac ;;
      tries) case "$value" in ''|*[!0-9]*) tries=0 ;; *) tries="$value" ;; esac ;;
      last) last="$value" ;;
    esac
  done < "$boot"
else
  echo "launcher: no readable $boot; running slot a" >&2
fi

write_boot() {
  tmp="$boot.tmp.$$"
  printf 'active=%s\ntrial=%s\ntries=%s\nlast=%s\n' "$active" "$trial" "$tries" "$last" > "$tmp" || return 1
  sync "$tmp" 2>/dev/null || sync
  mv -f "$tmp" "$boot" || return 1
  sync "$root" 2>/dev/null || sync
}

slot="$active"
if [ -n "$trial" ] && [ "$trial" != "$active" ]; then
  tries=$((tries + 1))
  if [ "$tries" -gt "$max_tries" ]; then
    echo "launcher: slot $trial started $((tries - 1)) times without committing; rolling back to slot $active" >&2
    last="rolled_back:$trial:$((tries - 1)) starts without a commit"
    trial=
    tries=0
    write_boot || echo "launcher: could not record the rollback in $boot" >&2
  else
    write_boot || { echo "launcher: cannot record the try in $boot; running slot $active" >&2; trial=; }
    if [ -n "$trial" ]; then
      slot="$trial"
      echo "launcher: trying slot $trial (start $tries of $max_tries)" >&2
    fi
  fi
fi

program="$root/slots/$slot/bin/mast"
if [ ! -x "$program" ]; then
  other=a
  [ "$slot" = a ] && other=b
  echo "launcher: $program is missing; running slot $other" >&2
  slot="$other"
  program="$root/slots/$slot/bin/mast"
fi
MAST_ROOT="$root"
MAST_SLOT="$slot"
export MAST_ROOT MAST_SLOT
exec "$program" "$@"
