#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: berth_container
short_description: Manage Berth system containers
description:
  - Creates, configures, starts, stops, freezes, clones and destroys Berth containers through
    Berth's own tools (C(berth-create), C(berth-start), C(berth-copy) and the rest), on the host
    the task runs on.
  - Idempotent; supports check mode and diff mode. Returns the container's facts as
    C(berth-info --format json) gives them.
version_added: "0.1.0"
author: Berth developers (@berth)
options:
  name:
    description: The container's name.
    type: str
    required: true
  state:
    description:
      - C(present) defines the container (created if missing, config applied).
      - C(started) and C(stopped) also bring it to that state; a frozen container is thawed by C(started).
      - C(restarted) stops it if it runs and starts it again (always a change).
      - C(frozen) starts it if needed and freezes it.
      - C(absent) destroys it, stopping it first, with its snapshots when I(destroy_snapshots).
    type: str
    choices: [present, started, stopped, restarted, frozen, absent]
    default: started
  template:
    description: Template to create from (C(busybox), C(debian), C(local) ...). Used only when the container is created.
    type: str
  template_options:
    description: Arguments for the template, passed after C(--).
    type: list
    elements: str
    default: []
  create_options:
    description: More C(berth-create) arguments (for example C([--privileged])).
    type: list
    elements: str
    default: []
  config:
    description:
      - Config keys to set in the container's config; a list sets a key that may appear several
        times, and C(null) removes the key. Lines already right are not touched, comments and
        order are kept, and the result must load (a bad key or value fails the task and leaves
        the config as it was).
      - A running container sees the change at its next start.
    type: dict
    default: {}
  clone_from:
    description: Create the container as a copy of this one (C(berth-copy)) instead of from a template.
    type: str
  clone_snapshot:
    description: With I(clone_from), make a copy-on-write clone (overlay, or a btrfs snapshot) instead of a full copy.
    type: bool
    default: false
  backing_store:
    description: Backing store for a new container (C(berth-create -B) or C(berth-copy -B)).
    type: str
    choices: [dir, overlay, btrfs]
  destroy_snapshots:
    description: With I(state=absent), remove the container's snapshots too (else a container with snapshots is an error).
    type: bool
    default: false
  timeout:
    description: Seconds a clean stop may take before the container is killed.
    type: int
    default: 30
extends_documentation_fragment:
  - berth.berth.berth
'''

EXAMPLES = r'''
- name: A running web container from the busybox template, with a memory limit
  berth.berth.berth_container:
    name: web1
    template: busybox
    config:
      lxc.group: web
      lxc.start.auto: 1
      lxc.cgroup2.memory.max: 256M

- name: An overlay clone of it, stopped
  berth.berth.berth_container:
    name: web2
    clone_from: web1
    clone_snapshot: true
    state: stopped

- name: Gone, with its snapshots
  berth.berth.berth_container:
    name: web2
    state: absent
    destroy_snapshots: true
'''

RETURN = r'''
container:
  description: The container's facts after the task (none when absent).
  returned: always
  type: dict
  sample: {"name": "web1", "state": "RUNNING", "pid": 4321, "ips": ["10.0.13.2"], "groups": ["web"], "autostart": true}
actions:
  description: What the task did (or would do in check mode), in order.
  returned: always
  type: list
  elements: str
'''

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.berth.berth.plugins.module_utils.berth import BERTH_COMMON_ARGS, BerthTools, apply_config


def set_config(module, tools, name, settings, actions, diff):
    """Applies `settings` to the container's config: written atomically, checked by loading it
    with berth-info, put back as it was when it does not load."""
    path = os.path.join(tools.container_dir(name), "config")
    with open(path, "r") as handle:
        before = handle.read()
    after = apply_config(before, settings)
    if after == before:
        return
    actions.append("config")
    diff["before"]["config"] = before
    diff["after"]["config"] = after
    if module.check_mode:
        return
    mode = os.stat(path).st_mode & 0o7777
    fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".config.")
    with os.fdopen(fd, "w") as handle:
        handle.write(after)
    os.chmod(temporary, mode)
    os.rename(temporary, path)
    rc, out, err = tools.run("berth-info", ["-n", name, "-c", "lxc.uts.name"], check=False)
    if rc != 0:
        fd, temporary = tempfile.mkstemp(dir=os.path.dirname(path), prefix=".config.")
        with os.fdopen(fd, "w") as handle:
            handle.write(before)
        os.chmod(temporary, mode)
        os.rename(temporary, path)
        module.fail_json(msg="the config of %s does not load with these settings, left as it was: %s" % (name, err.strip()))


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", default="started", choices=["present", "started", "stopped", "restarted", "frozen", "absent"]),
            template=dict(type="str"),
            template_options=dict(type="list", elements="str", default=[]),
            create_options=dict(type="list", elements="str", default=[]),
            config=dict(type="dict", default={}),
            clone_from=dict(type="str"),
            clone_snapshot=dict(type="bool", default=False),
            backing_store=dict(type="str", choices=["dir", "overlay", "btrfs"]),
            destroy_snapshots=dict(type="bool", default=False),
            timeout=dict(type="int", default=30),
            **BERTH_COMMON_ARGS
        ),
        mutually_exclusive=[["template", "clone_from"]],
        supports_check_mode=True,
    )
    params = module.params
    name = params["name"]
    state = params["state"]
    tools = BerthTools(module, lxcpath=params["lxcpath"], bin_dir=params["bin_dir"])
    actions = []
    diff = {"before": {}, "after": {}}

    before = tools.info(name)
    diff["before"]["state"] = before["state"] if before else "absent"

    if state == "absent":
        if before:
            actions.append("destroy")
            if not module.check_mode:
                tools.run("berth-destroy", ["-n", name, "-f"] + (["-s"] if params["destroy_snapshots"] else []))
        diff["after"]["state"] = "absent"
        module.exit_json(changed=bool(actions), actions=actions, container=None, diff=diff)

    current = before["state"] if before else None
    if not before:
        if params["clone_from"]:
            actions.append("clone" if params["clone_snapshot"] else "copy")
            if not tools.exists(params["clone_from"]):
                module.fail_json(msg="clone_from: container %s does not exist in %s" % (params["clone_from"], tools.lxcpath))
            args = ["-n", params["clone_from"], "-N", name]
            if params["clone_snapshot"]:
                args.append("-s")
            if params["backing_store"]:
                args += ["-B", params["backing_store"]]
            if not module.check_mode:
                tools.run("berth-copy", args)
        else:
            if not params["template"]:
                module.fail_json(msg="container %s does not exist in %s: give template (or clone_from) to create it" % (name, tools.lxcpath))
            actions.append("create")
            args = ["-n", name, "-t", params["template"]] + params["create_options"]
            if params["backing_store"]:
                args += ["-B", params["backing_store"]]
            if params["template_options"]:
                args += ["--"] + params["template_options"]
            if not module.check_mode:
                # -P goes before the template's arguments (after -- it would be the template's).
                command = [tools.tool("berth-create"), "-P", tools.lxcpath] + args
                rc, out, err = module.run_command(command)
                if rc != 0:
                    module.fail_json(msg="berth-create failed: %s" % (err or out).strip(), rc=rc, cmd=command)
        current = "STOPPED"

    if params["config"]:
        if module.check_mode and not tools.exists(name):
            actions.append("config")
        else:
            set_config(module, tools, name, params["config"], actions, diff)

    def start():
        actions.append("start")
        if not module.check_mode:
            tools.run("berth-start", ["-n", name])

    def stop():
        actions.append("stop")
        if not module.check_mode:
            tools.run("berth-stop", ["-n", name, "-t", str(params["timeout"])])

    if state == "started":
        if current in ("FROZEN", "FREEZING"):
            actions.append("unfreeze")
            if not module.check_mode:
                tools.run("berth-unfreeze", ["-n", name])
        elif current != "RUNNING":
            start()
    elif state == "stopped":
        if current not in ("STOPPED", None):
            stop()
    elif state == "restarted":
        if current not in ("STOPPED", None):
            stop()
        start()
    elif state == "frozen":
        if current not in ("RUNNING", "FROZEN", "FREEZING"):
            start()
        if current not in ("FROZEN", "FREEZING"):
            actions.append("freeze")
            if not module.check_mode:
                tools.run("berth-freeze", ["-n", name])

    after = None if module.check_mode else tools.info(name)
    expected = {"started": "RUNNING", "restarted": "RUNNING", "stopped": "STOPPED", "frozen": "FROZEN", "present": current}
    diff["after"]["state"] = after["state"] if after else expected.get(state, current)
    module.exit_json(changed=bool(actions), actions=actions, container=after if after else before, diff=diff)


if __name__ == "__main__":
    main()
