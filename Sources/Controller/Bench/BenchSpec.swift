import Services
import SMSCore

/// A spec for benchmarks: N machines that all read one shared token file, so a load generator with that token
/// can speak for any of them.
public enum BenchSpec {
    /// The YAML text; `tokenFile` is relative to the spec's folder.
    /// `state` and `history` are the hub's backends as written in a spec (`embedded`, `redis://…`, `postgres://…`).
    /// `tls` is `hub.tls` (`off` for the load generator, which speaks plaintext gRPC; `auto` to measure a real
    /// collector's TLS). The API needs no login (`hub.auth: none`): the hub of a bench listens on loopback only.
    public static func yaml(name: String = "bench", machines: Int, idPrefix: String, grpcPort: Int, httpPort: Int,
                            tokenFile: String, state: String = "embedded", history: String = "embedded",
                            tls: String = "off") -> String {
        let config = LoadConfiguration(host: "127.0.0.1", port: grpcPort, machines: machines, metrics: 0, intervalMs: 1000,
                                       durationMs: 0, token: "", idPrefix: idPrefix, jitter: false)
        var out = """
            # Written by `smsctl bench spec`: \(machines) simulated machines sharing one token file.
            version: 1
            name: \(name)
            hub:
              host: 127.0.0.1
              grpc_port: \(grpcPort)
              http_port: \(httpPort)
              state: "\(state)"
              history: "\(history)"
              bind: 127.0.0.1
              tls: \(tls)
              auth: none
            machines:

            """
        for i in 0..<machines {
            // Simulated collectors run on this machine and dial the hub on loopback: local machines.
            out += "  - { id: \(config.machineID(i)), host: localhost, token_file: \(tokenFile) }\n"
        }
        return out
    }
}
