# -*- coding: utf-8 -*-

from __future__ import absolute_import, division, print_function
__metaclass__ = type

DOCUMENTATION = r'''
---
name: berth
short_description: Run tasks inside Berth containers
description:
  - Runs commands in a running Berth container with C(berth-attach), on the machine Ansible runs
    on or, with I(berth_host), on a host reached over ssh. Exit status, standard output and
    standard error are kept apart.
  - Files are streamed through the attached process, byte for byte, with no temporary copy on
    the host.
  - A container that does not exist or is not running is a clear failure.
version_added: "0.1.0"
author: Berth developers (@berth)
options:
  remote_addr:
    description: The container's name.
    type: str
    default: inventory_hostname
    vars:
      - name: inventory_hostname
      - name: ansible_host
      - name: ansible_berth_name
  lxcpath:
    description: The container directory (C(-P)); Berth's configured lxcpath when not set.
    type: str
    vars:
      - name: ansible_berth_lxcpath
    env:
      - name: BERTH_LXCPATH
  berth_host:
    description: Host the container runs on, reached with ssh (C(user@host) works); unset runs the tools here.
    type: str
    vars:
      - name: ansible_berth_host
  ssh_args:
    description: Extra ssh arguments when I(berth_host) is set.
    type: list
    elements: str
    default: ["-o", "BatchMode=yes"]
    vars:
      - name: ansible_berth_ssh_args
  bin_dir:
    description: Directory of the berth-* tools on the container's host, when they are not on PATH.
    type: str
    vars:
      - name: ansible_berth_bin_dir
'''

import os
import shlex
import subprocess

from ansible.errors import AnsibleConnectionFailure, AnsibleError, AnsibleFileNotFound
from ansible.module_utils.common.text.converters import to_bytes, to_text
from ansible.plugins.connection import ConnectionBase
from ansible.utils.display import Display

display = Display()


class Connection(ConnectionBase):
    """Commands and files through berth-attach."""

    transport = "berth.berth.berth"
    has_pipelining = True
    default_user = "root"

    def __init__(self, play_context, new_stdin, *args, **kwargs):
        super(Connection, self).__init__(play_context, new_stdin, *args, **kwargs)
        self.container = None

    def _tool(self, name):
        bin_dir = self.get_option("bin_dir")
        return os.path.join(bin_dir, name) if bin_dir else name

    def _command(self, tool, arguments):
        """The argv that runs berth TOOL with ARGUMENTS here, or on berth_host through ssh."""
        argv = [self._tool(tool)] + list(arguments)
        lxcpath = self.get_option("lxcpath")
        if lxcpath:
            argv[1:1] = ["-P", lxcpath]
        host = self.get_option("berth_host")
        if not host:
            return argv
        return ["ssh"] + list(self.get_option("ssh_args") or []) + [host, "--", " ".join(shlex.quote(word) for word in argv)]

    def _attach(self, command):
        return self._command("berth-attach", ["-n", self.container, "--"] + command)

    def _connect(self):
        if self._connected:
            return self
        self.container = self.get_option("remote_addr")
        argv = self._command("berth-info", ["-n", self.container, "-sH"])
        try:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        except OSError as error:
            raise AnsibleConnectionFailure("cannot run %s: %s" % (argv[0], error))
        out, err = process.communicate()
        if process.returncode != 0:
            raise AnsibleConnectionFailure("container %s: %s" % (self.container, to_text(err or out).strip()))
        state = to_text(out).strip()
        if state != "RUNNING":
            raise AnsibleConnectionFailure("container %s is not running (it is %s): start it first" % (self.container, state))
        display.vvv("BERTH CONNECTION to %s%s" % (self.container, " on " + self.get_option("berth_host") if self.get_option("berth_host") else ""),
                    host=self.container)
        self._connected = True
        return self

    def exec_command(self, cmd, in_data=None, sudoable=False):
        super(Connection, self).exec_command(cmd, in_data=in_data, sudoable=sudoable)
        argv = self._attach(["/bin/sh", "-c", to_text(cmd)])
        display.vvv("EXEC %s" % argv, host=self.container)
        process = subprocess.Popen(argv, stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
        out, err = process.communicate(in_data)
        return process.returncode, out, err

    def put_file(self, in_path, out_path):
        super(Connection, self).put_file(in_path, out_path)
        display.vvv("PUT %s TO %s" % (in_path, out_path), host=self.container)
        if not os.path.isfile(to_bytes(in_path)):
            raise AnsibleFileNotFound("file to copy does not exist: %s" % in_path)
        # The file is the attached shell's standard input: streamed, never staged on the host.
        argv = self._attach(["/bin/sh", "-c", 'cat > "$1"', "sh", out_path])
        with open(to_bytes(in_path), "rb") as source:
            process = subprocess.Popen(argv, stdin=source, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
            out, err = process.communicate()
        if process.returncode != 0:
            raise AnsibleError("copying to %s in %s failed: %s" % (out_path, self.container, to_text(err or out).strip()))

    def fetch_file(self, in_path, out_path):
        super(Connection, self).fetch_file(in_path, out_path)
        display.vvv("FETCH %s TO %s" % (in_path, out_path), host=self.container)
        argv = self._attach(["/bin/sh", "-c", 'exec cat -- "$1"', "sh", in_path])
        partial = to_bytes(out_path) + b".part"
        with open(partial, "wb") as target:
            process = subprocess.Popen(argv, stdin=subprocess.DEVNULL, stdout=target, stderr=subprocess.PIPE)
            err = process.communicate()[1]
        if process.returncode != 0:
            os.unlink(partial)
            raise AnsibleError("fetching %s from %s failed: %s" % (in_path, self.container, to_text(err).strip()))
        os.rename(partial, to_bytes(out_path))

    def close(self):
        super(Connection, self).close()
        self._connected = False
