/// `hub.auth: none` is allowed, but on an address others can reach it hands the fleet to anyone: warn.
extension SpecValidator {
    mutating func validateAuth() {
        guard spec.hub.auth == .none else { return }
        let bind = spec.hubBindAddress
        guard !Spec.isLoopback(bind) else { return }
        let why = spec.hub.bind == nil ? " (every interface, because a remote machine exists)" : ""
        warning(
            "hub.auth",
            "the dashboard and API need no login, and the hub listens on \(bind)\(why): anyone who reaches port "
                + "\(spec.hub.httpPort) reads the fleet and can change silences; leave hub.auth out to require login, "
                + "or set hub.bind to 127.0.0.1")
    }
}
