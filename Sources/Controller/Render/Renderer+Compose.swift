import Services
import SMSCore
import Foundation
import Spec

extension Renderer {
    /// The hub stack: the hub role with the spec mounted read-only, plus Redis and TimescaleDB when the spec
    /// names them. Host networking, so the addresses in the spec mean the same inside and outside containers.
    static func hubCompose(_ spec: Spec, paths: RenderPaths) -> String {
        var s = banner("#", spec)
        s += "# Start: docker-compose -f ctrl/dev/compose.yaml up -d    (the dashboard: \(spec.hub.tls == .off ? "http" : "https")://localhost:\(spec.hub.httpPort))\n"
        // docker-compose 1.29 (Debian's) has no top-level `name:`; the project name goes on the command line.
        s += "# Project: docker-compose -p sms-\(spec.name) -f ctrl/dev/compose.yaml ...\n"
        s += "services:\n"
        var dependsOn: [String] = []
        if case .redis(let url) = spec.hub.state {
            let port = URLComponents(string: url)?.port ?? 6379
            s += """
                  redis:
                    image: "redis:7-bookworm"
                    command: ["redis-server", "--bind", "127.0.0.1", "--port", "\(port)", "--appendonly", "yes"]
                    network_mode: host
                    restart: unless-stopped
                    volumes:
                      - "redis-data:/data"
                    healthcheck:
                      test: ["CMD", "redis-cli", "-p", "\(port)", "ping"]
                      interval: 5s
                      timeout: 3s
                      retries: 10

                """
            dependsOn.append("redis")
        }
        if case .postgres(let url) = spec.hub.history {
            let c = URLComponents(string: url)
            let port = c?.port ?? 5432
            let user = c?.user ?? "sms"
            let db = c.map { String($0.path.drop(while: { $0 == "/" })) }.flatMap { $0.isEmpty ? nil : $0 } ?? user
            // The password is never written here: the hub reads it from the spec, compose from the environment.
            s += """
                  timescaledb:
                    image: "timescale/timescaledb:latest-pg15"
                    command: ["postgres", "-c", "listen_addresses=127.0.0.1", "-c", "port=\(port)"]
                    network_mode: host
                    restart: unless-stopped
                    environment:
                      POSTGRES_USER: \(yamlString(user))
                      POSTGRES_DB: \(yamlString(db))
                      POSTGRES_PASSWORD: "${SMS_PG_PASSWORD:?set SMS_PG_PASSWORD to the password of hub.history}"
                      PGPORT: "\(port)"
                    volumes:
                      - "pg-data:/var/lib/postgresql/data"
                    healthcheck:
                      test: ["CMD", "pg_isready", "-h", "127.0.0.1", "-p", "\(port)", "-U", \(yamlString(user))]
                      interval: 5s
                      timeout: 3s
                      retries: 20

                """
            dependsOn.append("timescaledb")
        }
        // With shared Redis + PostgreSQL the roles run as separate containers (scale them independently);
        // otherwise state and events live inside one hub process.
        var roles: [(name: String, healthPort: Int?)] = [("hub", spec.hub.httpPort)]
        if case .redis = spec.hub.state, case .postgres = spec.hub.history {
            roles = [("aggregator", spec.hub.grpcPort), ("gateway", spec.hub.httpPort), ("alerts", nil)]
        }
        for role in roles {
            s += roleService(role.name, healthPort: role.healthPort, spec: spec, paths: paths, dependsOn: dependsOn)
        }
        s += "volumes:\n  sms-data: {}\n"
        if dependsOn.contains("redis") { s += "  redis-data: {}\n" }
        if dependsOn.contains("timescaledb") { s += "  pg-data: {}\n" }
        return s
    }

    /// One sms role's service: the spec mounted read-only, state in the shared volume.
    private static func roleService(
        _ role: String, healthPort: Int?, spec: Spec, paths: RenderPaths, dependsOn: [String]
    ) -> String {
        let command = ["run", role, "--spec", "/etc/sms/spec.yaml", "--state-dir", "/var/lib/sms"]
        var s = """
              \(role):
                image: "sms:latest"
                build:
                  context: \(yamlString(paths.rootFromDev))
                  dockerfile: \(yamlString(paths.dockerfileFromRoot))
                command: [\(command.map { "\"\($0)\"" }.joined(separator: ", "))]
                network_mode: host
                restart: unless-stopped
                stop_grace_period: 30s

            """
        let env = referencedEnvironment(spec)
        if !env.isEmpty {
            s += "    environment:\n"
            for name in env { s += "      - \(name)\n" }
        }
        s += """
                volumes:
                  - \(yamlString("\(paths.specFromDev):/etc/sms/spec.yaml:ro"))
                  - "sms-data:/var/lib/sms"

            """
        if let healthPort {
            s += """
                    healthcheck:
                      test: ["CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(healthPort)"]
                      interval: 10s
                      timeout: 3s
                      retries: 5

                """
        }
        if !dependsOn.isEmpty {
            s += "    depends_on:\n"
            for d in dependsOn { s += "      \(d):\n        condition: service_healthy\n" }
        }
        return s
    }

    /// The edges' stack, to run in the cloud: one relay per edge, its token from the environment.
    static func edgeCompose(_ spec: Spec) -> String {
        var s = banner("#", spec)
        s += "# Run where the public reaches it, behind a TLS proxy; set each edge's token variable first.\n"
        s += "# Project: docker-compose -p sms-\(spec.name)-edge -f ctrl/edge/compose.yaml up -d\n"
        s += "services:\n"
        for (index, edge) in spec.edges.sorted(by: { $0.name < $1.name }).enumerated() {
            let port = URLComponents(string: edge.url)?.port ?? (8443 + index)
            let tokenVar = edgeTokenVariable(edge)
            s += """
                  edge-\(edge.name):
                    image: "sms:latest"
                    command: ["run", "edge", "--listen", "0.0.0.0:\(port)", "--token-env", \(yamlString(tokenVar))]
                    restart: unless-stopped
                    environment:
                      - \(tokenVar)
                    ports:
                      - "\(port):\(port)"
                    healthcheck:
                      test: ["CMD", "bash", "-c", "exec 3<>/dev/tcp/127.0.0.1/\(port)"]
                      interval: 10s
                      timeout: 3s
                      retries: 5

                """
        }
        return s
    }

    /// The environment variable an edge's token comes from: the one the spec names, else a derived name.
    public static func edgeTokenVariable(_ edge: Edge) -> String {
        if case .env(let name) = edge.token.source { return name }
        return "SMS_EDGE_TOKEN_" + edge.name.uppercased().map { $0.isLetter || $0.isNumber ? String($0) : "_" }.joined()
    }

    /// Environment variables the spec's secrets come from, passed through to the hub by name (never by value).
    static func referencedEnvironment(_ spec: Spec) -> [String] {
        var names = Set<String>()
        for machine in spec.machines { if case .env(let n) = machine.token.source { names.insert(n) } }
        for edge in spec.edges { if case .env(let n) = edge.token.source { names.insert(n) } }
        for channel in spec.notify {
            for (_, secret) in channel.secrets { if case .env(let n) = secret.source { names.insert(n) } }
        }
        return names.sorted()
    }
}
