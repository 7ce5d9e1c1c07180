# shellcheck shell=bash
# Shared by kernel-patches/check and kernel-patches/lab (sourced, not run).
#
# Everything built lives under $KP_ROOT (/var/cache/rdmatop-kernel), keyed so that a
# cache is only reused for the same inputs:
#   $KP_ROOT/ccache                 compiler cache shared by all builds
#   $KP_ROOT/src-<tarball>.git      the extracted tarball committed once (tag "pristine"),
#                                   bare: the trees made after the first are clones of it
# and each script's own directories (see the scripts).

KP_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
KP_ROOT=${KP_ROOT:-/var/cache/rdmatop-kernel}
KP_TARBALL=/usr/src/linux-source-6.12.tar.xz
KP_JOBS=${KP_JOBS:-$(nproc)}
# The distribution's tools first (a pyenv or similar python3 lacks python3-ply).
export PATH=/usr/sbin:/usr/bin:/sbin:/bin:$PATH
export LC_ALL=C
export CCACHE_DIR=$KP_ROOT/ccache
# same relative paths in every tree under $KP_ROOT: hits across trees
export CCACHE_BASEDIR=$KP_ROOT
# git reset rewrites the files a patch touched: let ccache trust their contents
export CCACHE_SLOPPINESS=include_file_mtime,include_file_ctime,time_macros
export CCACHE_MAXSIZE=${CCACHE_MAXSIZE:-8G}
KP_MAKE=(make -s -j"$KP_JOBS" CC="ccache gcc" HOSTCC="ccache gcc")

KP_NAME=${KP_NAME:-$(basename "$0")}
kp_t0=$(date +%s)
kp_log() { echo "[$KP_NAME $(($(date +%s) - kp_t0))s] $*" >&2; }
# kp_die REASON: the one-line reason is the last line of the output
kp_die() { echo "kernel-patches/$KP_NAME: FAIL: $*" >&2; exit 1; }

# kp_install PKG...: install the missing Debian packages, quietly
kp_install() {
	local p missing=()
	for p in "$@"; do
		dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' ||
			missing+=("$p")
	done
	[[ ${#missing[@]} -eq 0 ]] && return 0
	[[ $EUID -eq 0 ]] || kp_die "needs root to install: ${missing[*]}"
	kp_log "installing ${missing[*]}"
	export DEBIAN_FRONTEND=noninteractive
	# apt-get update only when the lists cannot provide them (none yet, or stale): make
	# test's setup has usually just updated them
	timeout 1800 apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1 || {
		timeout 900 apt-get update -q >/dev/null 2>&1 || true
		timeout 1800 apt-get install -y -q --no-install-recommends "${missing[@]}" >/dev/null 2>&1
	} || kp_die "apt-get install ${missing[*]} failed"
}

KP_BUILD_DEPS=(linux-source-6.12 build-essential bc bison flex libelf-dev libssl-dev pahole
	cpio kmod xz-utils git ccache python3 python3-ply python3-git perl
	clang llvm libbpf-dev bpftool zlib1g-dev)

# kp_series: the patches of the series, in order (the cover letter excluded)
kp_series() {
	local p
	for p in "$KP_DIR"/[0-9][0-9][0-9][0-9]-*.patch; do
		if [[ -e $p && $(basename "$p") != 0000-* ]]; then echo "$p"; fi
	done
}

# kp_tarball_key: short hash of the tarball (its content decides the tree)
kp_tarball_key() {
	[[ -r $KP_TARBALL ]] || kp_die "no $KP_TARBALL (apt-get install linux-source-6.12)"
	local stamp="$KP_ROOT/tarball.sum" id
	id=$(stat -c '%s %Y %i' "$KP_TARBALL")
	mkdir -p "$KP_ROOT"
	if [[ ! -s $stamp || $(head -1 "$stamp") != "$id" ]]; then
		# check and lab may run at once: write whole, then rename
		printf '%s\n%s\n' "$id" "$(sha256sum "$KP_TARBALL" | cut -c1-12)" > "$stamp.$$"
		mv "$stamp.$$" "$stamp"
	fi
	sed -n 2p "$stamp"
}

# kp_pristine_tree DIR: DIR/linux is the extracted tarball in a git repo with tag "pristine";
# made once. Prints DIR/linux. The first tree made from a tarball is also copied (objects
# hard-linked) into the bare repo $KP_ROOT/src-KEY.git, and later trees (check's, lab's) are
# clones of that: unpacking and hashing the 1.4 GB tree is the costly part, cloning is not.
kp_pristine_tree() {
	local dir=$1 src=$1/linux key repo
	if [[ ! -e $src/.git/rdmatop-pristine ]]; then
		key=$(kp_tarball_key) || exit 1
		repo=$KP_ROOT/src-$key.git
		exec 8> "$KP_ROOT/src-$key.lock"
		flock -w 3600 8 || kp_die "another run holds $KP_ROOT/src-$key.lock"
		rm -rf "$src" "$src.tmp"
		mkdir -p "$dir"
		if [[ -e $repo/rdmatop-pristine ]]; then
			kp_log "cloning the pristine tree $repo into $src"
			git clone -q --local "$repo" "$src.tmp" || kp_die "cannot clone $repo into $src.tmp"
		else
			kp_log "extracting $KP_TARBALL into $src"
			mkdir -p "$src.tmp"
			tar -xJf "$KP_TARBALL" -C "$src.tmp" --strip-components=1 ||
				kp_die "cannot extract $KP_TARBALL"
			# loose objects, lightly compressed: written once, read by each clone; Debian's
			# top-level .gitignore ignores everything: add by force
			(
				cd "$src.tmp" && git init -q && git config core.looseCompression 1 &&
				git add -f -A &&
				git -c user.name=rdmatop -c user.email=rdmatop@localhost \
					commit -q --no-verify -m "pristine $(basename "$KP_TARBALL")" &&
				git tag pristine
			) || kp_die "cannot make a git repo of the tree"
			rm -rf "$repo"
			git clone -q --bare --local "$src.tmp" "$repo" && touch "$repo/rdmatop-pristine" ||
				kp_die "cannot copy the pristine repo to $repo"
		fi
		git -C "$src.tmp" config core.abbrev 12 && touch "$src.tmp/.git/rdmatop-pristine" &&
			mv "$src.tmp" "$src" || kp_die "cannot make $src"
		exec 8>&-
	fi
	echo "$src"
}

# kp_reset_tree SRC: back to pristine; only the files that differ are rewritten
kp_reset_tree() {
	git -C "$1" reset -q --hard pristine && git -C "$1" clean -q -f -d -x ||
		kp_die "cannot reset $1 to pristine"
}

# kp_touched PATCH: the files a patch touches, one per line
kp_touched() {
	git apply --numstat "$1" | cut -f3
}
