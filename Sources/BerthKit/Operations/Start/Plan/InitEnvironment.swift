/// The environments a start hands on: init's (`lxc.environment` and `.runtime`, a PATH when the
/// config gives none, `container=lxc` and the interfaces Berth addresses) and the hooks'
/// (`lxc.environment` and `.hooks`). `container_ttys` is added by the child, which knows the
/// ttys it made.
enum InitEnvironment {
    static func forInit(_ config: ContainerConfig, caller: (String) -> String?, interfaces: [InterfacePlan]) -> [String] {
        var environment = expand(config.values("lxc.environment") + config.values("lxc.environment.runtime"), caller)
        if !environment.contains(where: { $0.hasPrefix("PATH=") }) {
            environment.append("PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin")
        }
        environment.append("container=lxc")
        // The interfaces Berth gives an IPv4 address at start (lxc.net.N.ipv4.address), by their
        // names inside: a boot script can leave them alone without looking (the busybox
        // template's rcS asks DHCP only for the others). An empty network with an address is
        // refused by its plan, so every interface here with one is made and addressed.
        let addressed = interfaces.filter { !$0.ipv4.isEmpty }.map(\.name)
        if !addressed.isEmpty { environment.append("container_ipv4_configured=" + addressed.joined(separator: " ")) }
        return environment
    }

    static func forHooks(_ config: ContainerConfig, caller: (String) -> String?) -> [String] {
        expand(config.values("lxc.environment") + config.values("lxc.environment.hooks"), caller)
    }

    /// `VAR` alone passes the caller's value, as LXC does (and nothing when the caller has none).
    private static func expand(_ values: [String], _ caller: (String) -> String?) -> [String] {
        values.compactMap { item in item.contains("=") ? item : caller(item).map { "\(item)=\($0)" } }
    }
}
