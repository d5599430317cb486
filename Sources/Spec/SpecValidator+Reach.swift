/// Can every collector reach the hub? `hub.host` is the address remote collectors dial, so with a remote machine
/// it must be an address of this machine that the network can route to, and the hub must listen beyond loopback.
extension SpecValidator {
    mutating func validateHubReach() {
        guard let index = spec.machines.firstIndex(where: { !$0.isLocal }) else { return }
        let remote = spec.machines[index]
        let at = itemPath("machines", index)
        let which = "machine \"\(remote.id)\" (\(at.isEmpty ? "machines" : at), host \(remote.host)) runs elsewhere"
        let host = spec.hub.host
        if Spec.isLoopback(host) || Spec.isWildcard(host) {
            let what = Spec.isLoopback(host) ? "a loopback address" : "a listen-everywhere address, not one to dial"
            error(
                "hub.host",
                "\"\(host)\" is \(what), but \(which) and its collector dials hub.host; set hub.host to this "
                    + "machine's address on the network \(remote.id) is on (e.g. 192.168.1.20 or hub.lan)")
        }
        if let bind = spec.hub.bind, Spec.isLoopback(bind) {
            error(
                "hub.bind",
                "the hub would listen on loopback only (\(bind)), but \(which); set hub.bind to 0.0.0.0 or to "
                    + "hub.host, or leave it out (every interface when a remote machine exists)")
        }
    }
}
