# -*- coding: utf-8 -*-
# Shared by the berth_container and berth_snapshot modules: running Berth's tools and reading
# a container's files in LXC's layout (<lxcpath>/<name>/config, snaps/<snap>/{comment,ts}).

from __future__ import absolute_import, division, print_function
__metaclass__ = type

import json
import os


# The arguments every module takes (documented in the berth.berth.berth doc fragment).
BERTH_COMMON_ARGS = dict(
    lxcpath=dict(type="path"),
    bin_dir=dict(type="path"),
)


class BerthTools(object):
    """Runs berth-* tools for a module, with the lxcpath the task names (or Berth's default)."""

    def __init__(self, module, lxcpath=None, bin_dir=None):
        self.module = module
        self.bin_dir = bin_dir
        self._lxcpath = lxcpath

    def tool(self, name):
        if self.bin_dir:
            path = os.path.join(self.bin_dir, name)
            if not os.access(path, os.X_OK):
                self.module.fail_json(msg="%s not found in bin_dir %s" % (name, self.bin_dir))
            return path
        return self.module.get_bin_path(name, required=True, opt_dirs=["/usr/local/bin", "/usr/bin"])

    @property
    def lxcpath(self):
        if self._lxcpath is None:
            rc, out, err = self.module.run_command([self.tool("berth-config"), "lxc.lxcpath"])
            if rc != 0:
                self.module.fail_json(msg="berth-config lxc.lxcpath failed: %s" % err.strip())
            self._lxcpath = out.strip()
        return self._lxcpath

    def run(self, name, args, check=True, data=None):
        """berth-NAME ARGS -P LXCPATH; fails the task with the tool's own message unless check is False."""
        command = [self.tool(name)] + list(args) + ["-P", self.lxcpath]
        rc, out, err = self.module.run_command(command, data=data, binary_data=data is not None)
        if check and rc != 0:
            self.module.fail_json(msg="%s failed: %s" % (name, (err or out).strip()), rc=rc, cmd=command, stdout=out, stderr=err)
        return rc, out, err

    def container_dir(self, name):
        return os.path.join(self.lxcpath, name)

    def exists(self, name):
        return os.path.isfile(os.path.join(self.container_dir(name), "config"))

    def info(self, name):
        """The container's facts from berth-info --format json, or None when it does not exist."""
        if not self.exists(name):
            return None
        rc, out, err = self.run("berth-info", ["-n", name, "--format", "json"])
        facts = json.loads(out)
        return {
            "name": facts.get("name", name),
            "state": facts.get("state"),
            "pid": facts.get("pid"),
            "ips": facts.get("ips", []),
            "autostart": facts.get("autostart"),
            "groups": facts.get("groups", []),
            "unprivileged": facts.get("unprivileged"),
            "rootfs": facts.get("rootfs"),
        }

    def state(self, name):
        facts = self.info(name)
        return facts["state"] if facts else None

    def snapshots(self, name):
        """The container's snapshots, oldest first: name, comment and timestamp of each."""
        directory = os.path.join(self.container_dir(name), "snaps")
        result = []
        if not os.path.isdir(directory):
            return result
        for entry in os.listdir(directory):
            path = os.path.join(directory, entry)
            if not os.path.isfile(os.path.join(path, "config")):
                continue
            comment = _read(os.path.join(path, "comment"))
            timestamp = _read(os.path.join(path, "ts"))
            number = int(entry[4:]) if entry.startswith("snap") and entry[4:].isdigit() else -1
            result.append({"name": entry, "comment": comment.rstrip("\n") if comment else "", "timestamp": (timestamp or "").strip(), "number": number})
        result.sort(key=lambda snap: (snap["number"], snap["name"]))
        return result


def _read(path):
    try:
        with open(path, "r") as handle:
            return handle.read()
    except (IOError, OSError):
        return None


def parse_config(text):
    """The config's lines as (key, value) for assignments and None for everything else."""
    lines = []
    for raw in text.splitlines():
        stripped = raw.strip()
        if not stripped or stripped.startswith("#") or "=" not in stripped:
            lines.append((raw, None))
            continue
        key, value = stripped.split("=", 1)
        lines.append((raw, (key.strip(), value.strip())))
    return lines


def apply_config(text, settings):
    """The config text with `settings` applied: a key set to None is removed, a key given a
    value (or a list of values, for keys LXC allows more than once) replaces every line of that
    key in place, at the first line's position, or is appended. Comments and order are kept."""
    lines = parse_config(text)
    current = {}
    for raw, entry in lines:
        if entry is not None:
            current.setdefault(entry[0], []).append(entry[1])
    # Only keys whose values differ are rewritten: a line already right keeps its spelling.
    settings = dict((key, value) for key, value in settings.items() if current.get(key, []) != _values(value))
    out = []
    placed = set()
    for raw, entry in lines:
        if entry is None or entry[0] not in settings:
            out.append(raw)
            continue
        key = entry[0]
        if key in placed:
            continue
        placed.add(key)
        for value in _values(settings[key]):
            out.append("%s = %s" % (key, value))
    for key in settings:
        if key not in placed:
            for value in _values(settings[key]):
                out.append("%s = %s" % (key, value))
    return "\n".join(out) + "\n"


def _values(value):
    if value is None:
        return []
    if isinstance(value, list):
        return [_text(item) for item in value]
    return [_text(value)]


def _text(value):
    if isinstance(value, bool):
        return "1" if value else "0"
    return str(value)
