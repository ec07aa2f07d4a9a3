# image-meta.sh: LXC's image metadata (meta.tar.xz: config, config-user, templates, excludes,
# excludes-user, fstab, create-message) applied to a new container. Sourced by berth-download
# and berth-local (-m); not a template itself. The caller sets path, rootfs, name, interactive
# and label (its own name, for messages).

# image_unprivileged: whether the new container has a user namespace (its config maps ids).
image_unprivileged() {
    grep -qE '^[[:space:]]*lxc\.idmap[[:space:]]*=' "$path/config" 2>/dev/null
}

# image_file META NAME: META/NAME-user for an unprivileged container when the image has one,
# else META/NAME (as LXC picks them).
image_file() {
    if image_unprivileged && [ -e "$1/$2-user" ]; then echo "$1/$2-user"; else echo "$1/$2"; fi
}

# image_unpack TARBALL META: the rootfs, leaving out what the image's excludes name (device
# nodes an unprivileged container cannot have, in excludes-user).
image_unpack() {
    local tarball=$1 meta=$2 excludes=() progress=() list
    list=$(image_file "$meta" excludes)
    [ -f "$list" ] && excludes=(--anchored --exclude-from="$list")
    if [ "$interactive" = 1 ]; then
        echo "$label: unpacking the rootfs" >&2
        progress=(--checkpoint=2000 --checkpoint-action=dot)
    fi
    tar --extract --file="$tarball" --directory="$rootfs" --numeric-owner --preserve-permissions \
        --same-owner --xattrs --xattrs-include='*' "${excludes[@]}" "${progress[@]}"
    [ "$interactive" != 1 ] || echo >&2
}

# image_safe_target PATH: PATH in the rootfs is a plain file (or missing) below real
# directories only: the image is not trusted, and no symlink of it may lead a write out.
image_safe_target() {
    local rel=${1#/} dir=$rootfs part parts
    case "$rel" in ""|*..*) return 1 ;; esac
    IFS=/ read -r -a parts <<<"$(dirname "$rel")"
    for part in "${parts[@]}"; do
        [ "$part" = . ] && continue
        dir="$dir/$part"
        [ -d "$dir" ] && [ ! -L "$dir" ] || return 1
    done
    [ ! -L "$rootfs/$rel" ] && { [ ! -e "$rootfs/$rel" ] || [ -f "$rootfs/$rel" ]; }
}

# image_render_templates META: each path in META/templates (or its replacement text in
# META/rootfs-templates) with LXC_NAME, LXC_PATH and LXC_ROOTFS_PATH filled in, written through a
# new file renamed over it.
image_render_templates() {
    local meta=$1 target source_file tmp
    [ -f "$meta/templates" ] || return 0
    while IFS= read -r target; do
        [ -n "$target" ] || continue
        source_file="$rootfs$target"
        [ -f "$meta/rootfs-templates$target" ] && source_file="$meta/rootfs-templates$target"
        if ! image_safe_target "$target"; then
            echo "$label: not rendering $target: it, or a directory above it, is not a plain file or directory in the image" >&2
            continue
        fi
        [ -f "$source_file" ] || continue
        tmp=$(mktemp "$rootfs$(dirname "$target")/.berth-template.XXXXXX")
        sed -e "s/LXC_NAME/$name/g" -e "s/LXC_PATH/${path//\//\\/}/g" -e "s/LXC_ROOTFS_PATH/${rootfs//\//\\/}/g" "$source_file" >"$tmp"
        chmod 0644 "$tmp"
        mv -fT "$tmp" "$rootfs$target"
    done <"$meta/templates"
}

# image_config_line LINE: the line when an image may set it, else nothing. An image is not
# trusted, and its config is read by the host as root: only keys that act inside the container
# pass (its architecture, terminals, signals, init and environment, /dev, and mounts of kernel
# filesystems that reach no host path). Hooks, host paths, networks, cgroups, capabilities,
# seccomp, id maps and LXC's shared includes (Berth's defaults stand in for them) stay the
# admin's; what is left out is named on standard error.
image_config_line() {
    local line=$1 key value word
    # Blank lines and comments pass as they are.
    if [[ $line =~ ^[[:space:]]*(#.*)?$ ]]; then printf '%s\n' "$line"; return; fi
    key=$(printf '%s' "$line" | sed -n 's/^[[:space:]]*\([^=[:space:]]*\)[[:space:]]*=.*/\1/p')
    value=$(printf '%s' "$line" | sed -n 's/^[^=]*=[[:space:]]*//p')
    case "$key" in
        lxc.arch|lxc.tty.max|lxc.pty.max|lxc.signal.halt|lxc.signal.reboot|lxc.signal.stop|lxc.autodev|\
        lxc.init.cmd|lxc.init.cwd|lxc.init.uid|lxc.init.gid|lxc.execute.cmd|lxc.environment)
            printf '%s\n' "$line"; return ;;
        lxc.mount.auto)
            # Only the kinds that keep the host's /proc/sys, /sys and cgroups read-only.
            for word in $value; do
                case "$word" in proc:mixed|sys:mixed|sys:ro|cgroup:mixed|cgroup:ro|cgroup-full:mixed|cgroup-full:ro) ;; *) word=""; break ;; esac
            done
            [ -n "$word" ] && { printf '%s\n' "$line"; return; } ;;
        lxc.mount.entry)
            # A kernel filesystem (tmpfs, mqueue, devpts ...): the source is no host path and
            # nothing is bound.
            case "$value" in /*|*bind*) ;; *) printf '%s\n' "$line"; return ;; esac ;;
        lxc.rootfs.path|lxc.uts.name) return ;;
        lxc.include) case "$value" in *LXC_TEMPLATE_CONFIG*) return ;; esac ;;
    esac
    echo "$label: not taking '$line' from the image: an image may set only keys that act inside the container" >&2
}

# image_append_config META HEADER: the image's config appended, through image_config_line. An
# fstab the image brings (host paths to mount) is not taken either, and said so.
image_append_config() {
    local meta=$1 header=$2 config line
    config=$(image_file "$meta" config)
    [ -f "$config" ] || return 0
    {
        echo
        echo "# $header"
        while IFS= read -r line || [ -n "$line" ]; do
            image_config_line "$line"
        done <"$config"
    } >>"$path/config"
    if [ -f "$meta/fstab" ]; then
        echo "$label: not taking the image's fstab: its mounts name host paths, which an image may not choose" >&2
    fi
}

# image_create_message META: what the image has to say to whoever created the container.
image_create_message() {
    [ ! -s "$1/create-message" ] || cat "$1/create-message"
}
