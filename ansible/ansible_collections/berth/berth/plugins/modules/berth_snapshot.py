#!/usr/bin/python
# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
module: berth_snapshot
short_description: Snapshots of Berth containers
description:
  - Takes, restores and deletes snapshots of a Berth container with C(berth-snapshot), and keeps
    the newest N.
  - Snapshots are named by Berth (C(snap0), C(snap1) ...); a task names one by that name or by
    its comment, which makes taking a snapshot idempotent (no change when a snapshot with the
    comment exists).
version_added: "0.1.0"
author: Berth developers (@berth)
options:
  name:
    description: The container.
    type: str
    required: true
  state:
    description:
      - C(present) takes a snapshot, unless one with I(comment) exists.
      - C(restored) restores I(snapshot) (or the one with I(comment)) over the container, which
        must be stopped, or as the new container I(new_name) (no change when that exists).
      - C(absent) deletes I(snapshot) (or those with I(comment)).
      - With I(keep), after any of these the oldest snapshots beyond the newest I(keep) are deleted.
    type: str
    choices: [present, restored, absent]
    default: present
  snapshot:
    description: The snapshot's name (C(snapN)), for I(state=restored) and I(state=absent).
    type: str
  comment:
    description: The snapshot's comment; identifies it when I(snapshot) is not given.
    type: str
  new_name:
    description: With I(state=restored), restore as this new container instead of over the container.
    type: str
  keep:
    description: Keep only the newest this many snapshots.
    type: int
extends_documentation_fragment:
  - berth.berth.berth
'''

EXAMPLES = r'''
- name: A snapshot before the upgrade (taken once)
  berth.berth.berth_snapshot:
    name: web1
    comment: before upgrade 2026-12
    keep: 5

- name: The web1 of before the upgrade, as a new container
  berth.berth.berth_snapshot:
    name: web1
    comment: before upgrade 2026-12
    state: restored
    new_name: web1-old
'''

RETURN = r'''
snapshots:
  description: The container's snapshots after the task, oldest first.
  returned: always
  type: list
  elements: dict
  sample: [{"name": "snap0", "comment": "before upgrade", "timestamp": "2026:12:05 10:00:00"}]
actions:
  description: What the task did (or would do in check mode).
  returned: always
  type: list
  elements: str
'''

import os
import tempfile

from ansible.module_utils.basic import AnsibleModule
from ansible_collections.berth.berth.plugins.module_utils.berth import BERTH_COMMON_ARGS, BerthTools


def public(snapshots):
    return [dict((key, snap[key]) for key in ("name", "comment", "timestamp")) for snap in snapshots]


def main():
    module = AnsibleModule(
        argument_spec=dict(
            name=dict(type="str", required=True),
            state=dict(type="str", default="present", choices=["present", "restored", "absent"]),
            snapshot=dict(type="str"),
            comment=dict(type="str"),
            new_name=dict(type="str"),
            keep=dict(type="int"),
            **BERTH_COMMON_ARGS
        ),
        supports_check_mode=True,
    )
    params = module.params
    name = params["name"]
    state = params["state"]
    tools = BerthTools(module, lxcpath=params["lxcpath"], bin_dir=params["bin_dir"])
    if not tools.exists(name):
        module.fail_json(msg="container %s does not exist in %s" % (name, tools.lxcpath))
    if params["keep"] is not None and params["keep"] < 0:
        module.fail_json(msg="keep must be 0 or more, not %d" % params["keep"])
    actions = []
    snapshots = tools.snapshots(name)

    def matching():
        if params["snapshot"]:
            return [snap for snap in snapshots if snap["name"] == params["snapshot"]]
        if params["comment"] is not None:
            return [snap for snap in snapshots if snap["comment"] == params["comment"].rstrip("\n")]
        module.fail_json(msg="state=%s needs snapshot or comment to say which snapshot" % state)

    if state == "present":
        if params["comment"] is None or not [snap for snap in snapshots if snap["comment"] == params["comment"].rstrip("\n")]:
            actions.append("snapshot")
            if not module.check_mode:
                args = ["-n", name]
                temporary = None
                if params["comment"] is not None:
                    fd, temporary = tempfile.mkstemp(prefix="berth-comment.")
                    with os.fdopen(fd, "w") as handle:
                        handle.write(params["comment"] + "\n")
                    args += ["-c", temporary]
                try:
                    tools.run("berth-snapshot", args)
                finally:
                    if temporary:
                        os.unlink(temporary)
    elif state == "restored":
        found = matching()
        if not found:
            module.fail_json(msg="container %s has no snapshot %s" % (name, params["snapshot"] or "with comment '%s'" % params["comment"]))
        target = found[-1]["name"]
        if params["new_name"]:
            if not tools.exists(params["new_name"]):
                actions.append("restore %s as %s" % (target, params["new_name"]))
                if not module.check_mode:
                    tools.run("berth-snapshot", ["-n", name, "-r", target, "-N", params["new_name"]])
        else:
            if tools.state(name) not in ("STOPPED", None):
                module.fail_json(msg="container %s is running: stop it before restoring %s over it (or give new_name)" % (name, target))
            actions.append("restore %s" % target)
            if not module.check_mode:
                tools.run("berth-snapshot", ["-n", name, "-r", target])
    elif state == "absent":
        for snap in matching():
            actions.append("delete %s" % snap["name"])
            if not module.check_mode:
                tools.run("berth-snapshot", ["-n", name, "-d", snap["name"]])

    if params["keep"] is not None:
        current = tools.snapshots(name) if not module.check_mode else snapshots
        excess = current[:max(0, len(current) - params["keep"])]
        for snap in excess:
            actions.append("delete %s" % snap["name"])
            if not module.check_mode:
                tools.run("berth-snapshot", ["-n", name, "-d", snap["name"]])

    module.exit_json(changed=bool(actions), actions=actions, snapshots=public(tools.snapshots(name)))


if __name__ == "__main__":
    main()
