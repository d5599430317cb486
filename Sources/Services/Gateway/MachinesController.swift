import SMSCore
import Hummingbird

/// `GET /api/machines` and `GET /api/machines/{id}`.
struct MachinesController<Context: RequestContext>: Sendable {
    let fleet: FleetView

    func addRoutes(to group: RouterGroup<Context>) {
        group.get("machines", use: list)
        group.get("machines/:id", use: detail)
    }

    /// Every machine of the spec (seen or not) merged with its live state.
    @Sendable func list(_ request: Request, context: Context) async throws -> Response {
        let (version, machines) = try await fleet.summaries()
        return try JSONResponse.make(
            MachineList(
                spec: version.spec.name, specHash: version.hash, serverTimeMs: FleetView.nowMs(), machines: machines))
    }

    /// One machine with all current values, its series and top processes; 404 for an unknown id.
    @Sendable func detail(_ request: Request, context: Context) async throws -> Response {
        let id = try context.parameters.require("id")
        guard let detail = try await fleet.detail(id) else {
            throw APIError.notFound("unknown machine: \(id)")
        }
        return try JSONResponse.make(detail)
    }
}
