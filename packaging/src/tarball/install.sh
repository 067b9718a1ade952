#!/bin/sh
# install.sh: Mast on a board without dpkg, from this tarball: the same files as the .deb, then
# the .deb's postinst (the mast user, the state directory, slot a, the unit enabled).
#   sudo ./install.sh            install or upgrade (an edited /etc/mast/device.json is kept)
#   sudo ./install.sh --remove   stop and remove the files; config and state stay
#   sudo ./install.sh --purge    remove everything, config, state and the mast user included
# Needs a JRE 17 or newer as java on the PATH (or JAVA_HOME), useradd and runuser.
set -eu
here="$(cd "$(dirname "$0")" && pwd)"
[ "$(id -u)" = 0 ] || { echo "install.sh: run it as root" >&2; exit 2; }
files="$(cd "$here/root" && find . ! -type d | sed 's#^\.##')"

remove_files() {
  for f in $files; do
    case "$f" in /etc/*) ;; *) rm -f "$f" ;; esac
  done
  rm -rf /usr/lib/mast
  # the directories the tarball brought, deepest first, when nothing else is in them
  (cd "$here/root" && find . -mindepth 1 -type d | sed 's#^\.##' | sort -r) | while read -r d; do
    case "$d" in /etc/*) ;; *) rmdir "$d" 2>/dev/null || true ;; esac
  done
}

case "${1:-install}" in
  install)
    command -v java >/dev/null || [ -n "${JAVA_HOME:-}" ] || { echo "install.sh: no java on the PATH: install a JRE 17 or newer first" >&2; exit 1; }
    [ -x /usr/lib/mast/maintainer/prerm ] && /usr/lib/mast/maintainer/prerm upgrade
    rm -rf /usr/lib/mast/dist
    (cd "$here/root" && find . -type d) | while read -r d; do mkdir -p "/$d"; done
    for f in $files; do
      if [ "$f" = /etc/mast/device.json ] && [ -e "$f" ]; then
        cp "$here/root$f" "$f.dist"   # kept as the config; the package's example beside it
        continue
      fi
      cp -p "$here/root$f" "$f"
    done
    /usr/lib/mast/maintainer/postinst configure
    ;;
  --remove)
    [ -x /usr/lib/mast/maintainer/prerm ] && /usr/lib/mast/maintainer/prerm remove
    postrm="$(mktemp)"; cp "$here/root/usr/lib/mast/maintainer/postrm" "$postrm"
    remove_files
    sh "$postrm" remove; rm -f "$postrm"
    ;;
  --purge)
    [ -x /usr/lib/mast/maintainer/prerm ] && /usr/lib/mast/maintainer/prerm remove
    postrm="$(mktemp)"; cp "$here/root/usr/lib/mast/maintainer/postrm" "$postrm"
    remove_files
    sh "$postrm" purge; rm -f "$postrm"
    ;;
  *) echo "usage: install.sh [--remove | --purge]" >&2; exit 2 ;;
esac
