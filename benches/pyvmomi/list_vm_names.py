#!/usr/bin/env python3
"""Lists the names of all VMs of a vCenter or ESXi host with pyvmomi: the Python twin of
vsphere-client/examples/list_vm_names.rs, for scripts/bench-vs-pyvmomi.sh.

    list_vm_names.py [--insecure] [--print-names] [URL [USER [PASSWORD]]]

URL, USER and PASSWORD default to $VMROTATE_URL, $VMROTATE_USERNAME and $VMROTATE_PASSWORD;
--insecure (or VMROTATE_INSECURE=1) accepts any TLS certificate.

It lists the way pyvmomi users do it fast: one ContainerView over the root folder and one
PropertyCollector.RetrievePropertiesEx with pathSet ["name"] (following ContinueRetrievePropertiesEx
tokens), then destroys the view; the same calls the Rust example makes. Prints, on stdout:

    vms: 1000
    list_seconds: 0.051234
    login_seconds: 0.012345

login_seconds is SmartConnect (API version negotiation + RetrieveServiceContent + Login) and the
RetrieveContent call pyvmomi scripts make to reach the managers;
list_seconds is creating the view, retrieving every page, collecting the names, destroying the view.
"""

import os
import sys
import time
from urllib.parse import urlsplit

from pyVim.connect import Disconnect, SmartConnect
from pyVmomi import vim, vmodl

USAGE = """usage: list_vm_names.py [--insecure] [--print-names] [URL [USER [PASSWORD]]]
URL, USER and PASSWORD default to $VMROTATE_URL, $VMROTATE_USERNAME and $VMROTATE_PASSWORD;
--insecure (or VMROTATE_INSECURE=1) accepts any TLS certificate."""


def usage_error(message):
    """Prints message (which ends with the usage) on stderr and exits with status 2, like the Rust twin."""
    print(message, file=sys.stderr)
    sys.exit(2)


def parse_options(arguments):
    """Returns (url, user, password, insecure, print_names), or exits with status 2 and the usage."""
    insecure = os.environ.get("VMROTATE_INSECURE", "") in ("1", "true", "yes")
    print_names = False
    positional = []
    for argument in arguments:
        if argument == "--insecure":
            insecure = True
        elif argument == "--print-names":
            print_names = True
        elif argument in ("-h", "--help"):
            usage_error(USAGE)
        elif argument.startswith("--"):
            usage_error(f"unknown option {argument}\n{USAGE}")
        else:
            positional.append(argument)
    if len(positional) > 3:
        usage_error(f"too many arguments\n{USAGE}")
    values = []
    for index, variable in enumerate(("VMROTATE_URL", "VMROTATE_USERNAME", "VMROTATE_PASSWORD")):
        value = positional[index] if index < len(positional) else os.environ.get(variable)
        if value is None:
            usage_error(f"missing {variable} (or its argument)\n{USAGE}")
        values.append(value)
    return (*values, insecure, print_names)


def connect(url, user, password, insecure):
    """Negotiates the API version and logs in, as pyvmomi users do (SmartConnect)."""
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        usage_error(f"invalid URL {url!r}: expected http(s)://HOST[:PORT]/sdk\n{USAGE}")
    default_port = 443 if parts.scheme == "https" else 80
    return SmartConnect(
        protocol=parts.scheme,
        host=parts.hostname,
        port=parts.port or default_port,
        path=parts.path or "/sdk",
        user=user,
        pwd=password,
        disableSslCertValidation=insecure,
    )


def list_vm_names(content):
    """Names of every VM under the root folder: one container view, one RetrievePropertiesEx."""
    view = content.viewManager.CreateContainerView(content.rootFolder, [vim.VirtualMachine], True)
    try:
        spec = vmodl.query.PropertyCollector.FilterSpec(
            objectSet=[
                vmodl.query.PropertyCollector.ObjectSpec(
                    obj=view,
                    skip=True,
                    selectSet=[
                        vmodl.query.PropertyCollector.TraversalSpec(
                            name="traverseView", path="view", skip=False, type=vim.view.ContainerView
                        )
                    ],
                )
            ],
            propSet=[vmodl.query.PropertyCollector.PropertySpec(type=vim.VirtualMachine, pathSet=["name"])],
        )
        collector = content.propertyCollector
        result = collector.RetrievePropertiesEx([spec], vmodl.query.PropertyCollector.RetrieveOptions())
        names = []
        while result is not None:
            names.extend(prop.val for obj in result.objects for prop in obj.propSet if prop.name == "name")
            result = collector.ContinueRetrievePropertiesEx(result.token) if result.token else None
        return names
    finally:
        view.DestroyView()


def main():
    url, user, password, insecure, print_names = parse_options(sys.argv[1:])

    started = time.perf_counter()
    service_instance = connect(url, user, password, insecure)
    content = service_instance.RetrieveContent()
    login_seconds = time.perf_counter() - started

    started = time.perf_counter()
    names = list_vm_names(content)
    list_seconds = time.perf_counter() - started

    Disconnect(service_instance)

    if print_names:
        print("\n".join(names))
    print(f"vms: {len(names)}")
    print(f"list_seconds: {list_seconds:.6f}")
    print(f"login_seconds: {login_seconds:.6f}")


if __name__ == "__main__":
    main()
