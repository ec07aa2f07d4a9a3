# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
name: berth
short_description: Berth containers as inventory hosts
description:
  - Lists the containers of a Berth host (this machine, or each of I(hosts) through ssh) with
    C(berth-ls --format json) and adds each as an inventory host that the C(berth.berth.berth)
    connection reaches.
  - Groups come from each container's C(lxc.group) values (C(berth_group_NAME)), its state
    (C(berth_running), C(berth_stopped), C(berth_frozen)), autostart (C(berth_autostart)) and,
    for remote hosts, the host (C(berth_host_HOST)).
  - The inventory file's name must end in C(berth.yml) or C(berth.yaml).
version_added: "0.1.0"
author: Berth developers (@berth)
options:
  plugin:
    description: The name of this plugin.
    type: str
    required: true
    choices: [berth.berth.berth]
  lxcpath:
    description: The container directory; Berth's configured lxcpath when not set.
    type: str
  hosts:
    description:
      - Hosts to list containers of, through ssh (C(user@host) works). Unset lists this machine's.
      - A container's inventory name is its name, or C(HOST_NAME) when several hosts are listed.
    type: list
    elements: str
    default: []
  ssh_args:
    description: Extra ssh arguments for I(hosts).
    type: list
    elements: str
    default: ["-o", "BatchMode=yes"]
  bin_dir:
    description: Directory of the berth-* tools on the container hosts, when they are not on PATH.
    type: str
  running_only:
    description: Only running containers.
    type: bool
    default: false
'''

EXAMPLES = r'''
# fleet.berth.yml
plugin: berth.berth.berth
lxcpath: /var/lib/berth
# hosts: [host1.example.org, host2.example.org]
'''

import json
import os
import re
import shlex
import subprocess

from ansible.errors import AnsibleParserError
from ansible.module_utils.common.text.converters import to_text
from ansible.plugins.inventory import BaseInventoryPlugin


class InventoryModule(BaseInventoryPlugin):
    NAME = "berth.berth.berth"

    def verify_file(self, path):
        return super(InventoryModule, self).verify_file(path) and path.endswith(("berth.yml", "berth.yaml"))

    def _list(self, host):
        bin_dir = self.get_option("bin_dir")
        argv = [os.path.join(bin_dir, "berth-ls") if bin_dir else "berth-ls", "--format", "json"]
        if self.get_option("lxcpath"):
            argv += ["-P", self.get_option("lxcpath")]
        if host:
            argv = ["ssh"] + list(self.get_option("ssh_args") or []) + [host, "--", " ".join(shlex.quote(word) for word in argv)]
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as error:
            raise AnsibleParserError("cannot run %s: %s" % (argv[0], error))
        out, err = process.communicate()
        if process.returncode != 0:
            raise AnsibleParserError("berth-ls on %s failed: %s" % (host or "this machine", to_text(err).strip()))
        try:
            return json.loads(to_text(out))
        except ValueError as error:
            raise AnsibleParserError("berth-ls on %s printed no JSON: %s" % (host or "this machine", error))

    @staticmethod
    def _group_name(text):
        return re.sub(r"[^A-Za-z0-9_]", "_", text)

    def parse(self, inventory, loader, path, cache=True):
        super(InventoryModule, self).parse(inventory, loader, path, cache)
        self._read_config_data(path)
        hosts = self.get_option("hosts") or [None]
        for host in hosts:
            for container in self._list(host):
                state = container.get("state", "")
                if self.get_option("running_only") and state != "RUNNING":
                    continue
                name = container["name"] if len(hosts) == 1 else "%s_%s" % (host, container["name"])
                self.inventory.add_host(name)
                self.inventory.set_variable(name, "ansible_connection", "berth.berth.berth")
                self.inventory.set_variable(name, "ansible_berth_name", container["name"])
                self.inventory.set_variable(name, "berth_state", state)
                self.inventory.set_variable(name, "berth_ipv4", container.get("ipv4", []))
                self.inventory.set_variable(name, "berth_groups", container.get("groups", []))
                if self.get_option("lxcpath"):
                    self.inventory.set_variable(name, "ansible_berth_lxcpath", self.get_option("lxcpath"))
                if self.get_option("bin_dir"):
                    self.inventory.set_variable(name, "ansible_berth_bin_dir", self.get_option("bin_dir"))
                groups = ["berth_%s" % self._group_name(state.lower())] + ["berth_group_%s" % self._group_name(group) for group in container.get("groups", [])]
                if container.get("autostart"):
                    groups.append("berth_autostart")
                if host:
                    self.inventory.set_variable(name, "ansible_berth_host", host)
                    groups.append("berth_host_%s" % self._group_name(host))
                for group in groups:
                    self.inventory.add_group(group)
                    self.inventory.add_host(name, group=group)
