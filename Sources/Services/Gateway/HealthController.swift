import SMSCore
import Foundation
import Hummingbird

/// `GET /healthz` (liveness plus what runs) and `GET /metrics` (Prometheus text).
struct HealthController<Context: RequestContext>: Sendable {
    let context: GatewayContext
    let fleet: FleetView
    let metrics: GatewayMetrics
    let clients: ClientRegistry

    /// The `/healthz` body.
    struct Health: Encodable {
        var status: String
        var version: String
        var spec: String
        var specHash: String
        var startedAt: String
        var uptimeSeconds: Double
    }

    func addRoutes(to router: Router<Context>) {
        router.get("healthz", use: health)
        router.get("metrics", use: prometheus)
    }

    @Sendable func health(_ request: Request, context: Context) async throws -> Response {
        let version = self.context.spec.current()
        let info = self.context.health
        let body = Health(
            status: "ok", version: info.version, spec: version.spec.name, specHash: version.hash,
            startedAt: ISO8601DateFormatter().string(from: info.startedAt),
            uptimeSeconds: Date().timeIntervalSince(info.startedAt))
        return try JSONResponse.make(body)
    }

    /// Refreshes the gauges that are cheaper to compute on scrape than to track, then renders the registry.
    @Sendable func prometheus(_ request: Request, context: Context) async throws -> Response {
        let (_, machines) = try await fleet.summaries()
        metrics.machinesDeclared.set(to: Double(machines.filter(\.declared).count))
        metrics.machinesConnected.set(to: Double(machines.filter(\.connected).count))
        metrics.machinesDown.set(to: Double(machines.filter { $0.status == .down }.count))
        let firing = machines.flatMap(\.alerts).filter { $0.state == .firing }
        metrics.alertsFiringCritical.set(to: Double(firing.filter { $0.severity == .critical }.count))
        metrics.alertsFiringWarning.set(to: Double(firing.filter { $0.severity == .warning }.count))
        metrics.websocketClients.set(to: Double(clients.count))
        metrics.uptime.set(to: Date().timeIntervalSince(self.context.health.startedAt))
        metrics.setCompleteness(machines)
        var buffer: [UInt8] = []
        metrics.registry.emit(into: &buffer)
        return Response(
            status: .ok, headers: [.contentType: "text/plain; version=0.0.4; charset=utf-8"],
            body: .init(byteBuffer: ByteBuffer(bytes: buffer)))
    }
}
