/// Where the hub listens and which address each collector dials.
extension Spec {
    /// True for addresses only this machine can dial.
    public static func isLoopback(_ host: String) -> Bool {
        let h = host.lowercased()
        return h == "localhost" || h == "::1" || h.hasPrefix("127.")
    }

    /// True for "every interface" addresses: something to listen on, not to dial.
    public static func isWildcard(_ host: String) -> Bool { host == "0.0.0.0" || host == "::" }

    /// The machines whose collectors run elsewhere and dial `hub.host` across the network.
    public var remoteMachines: [Machine] { machines.filter { !$0.isLocal } }

    /// `hub.bind`, else every interface when a remote machine exists (it must reach the hub), else loopback.
    public var hubBindAddress: String {
        if let bind = hub.bind { return bind }
        return remoteMachines.isEmpty ? "127.0.0.1" : "0.0.0.0"
    }

    /// The hub address the collector of `machine` dials: a local collector runs beside the hub and dials it on
    /// loopback (or on the one address the hub binds); a remote one dials `hub.host`.
    public func hubHost(dialedBy machine: Machine) -> String {
        guard machine.isLocal else { return hub.host }
        let bind = hubBindAddress
        if Self.isWildcard(bind) { return bind == "::" ? "::1" : "127.0.0.1" }
        return bind
    }

    /// What a browser opens for the dashboard: `hub.host` when others can dial it, else localhost; https unless
    /// `hub.tls: off`. Notifications link a machine's page as `<this>/#/machine/<id>`.
    public var dashboardBase: String {
        let host = hub.host
        let shown = Self.isLoopback(host) || Self.isWildcard(host) ? "localhost" : (host.contains(":") ? "[\(host)]" : host)
        return "\(hub.tls == .off ? "http" : "https")://\(shown):\(hub.httpPort)"
    }
}
