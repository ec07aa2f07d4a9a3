# -*- coding: utf-8 -*-
# The options every berth.berth module takes: where the containers and the tools are.

from __future__ import absolute_import, division, print_function
__metaclass__ = type


class ModuleDocFragment(object):
    DOCUMENTATION = r'''
options:
  lxcpath:
    description: The container directory (C(-P)); Berth's configured lxcpath when not given.
    type: path
  bin_dir:
    description: Directory of the berth-* tools, when they are not on PATH.
    type: path
'''
