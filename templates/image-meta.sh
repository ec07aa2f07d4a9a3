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

# image_append_config META HEADER: the image's config appended, without what berth-create sets
# itself and without LXC's shared includes (Berth's defaults stand in for them); an fstab the
# image brings becomes the container's lxc.mount.fstab.
image_append_config() {
    local meta=$1 header=$2 config
    config=$(image_file "$meta" config)
    [ -f "$config" ] || return 0
    {
        echo
        echo "# $header"
        grep -vE '^[[:space:]]*lxc\.(rootfs\.path|uts\.name)[[:space:]]*=' "$config" |
            grep -vE '^[[:space:]]*lxc\.include[[:space:]]*=.*LXC_TEMPLATE_CONFIG' || true
        if [ -f "$meta/fstab" ]; then
            echo "lxc.mount.fstab = $path/fstab"
        fi
    } >>"$path/config"
    if [ -f "$meta/fstab" ]; then
        sed -e "s/LXC_NAME/$name/g" "$meta/fstab" >"$path/fstab"
    fi
}

# image_create_message META: what the image has to say to whoever created the container.
image_create_message() {
    [ ! -s "$1/create-message" ] || cat "$1/create-message"
}
