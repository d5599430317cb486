import Services
import SMSCore
import Foundation
import Spec

/// Carries out a plan on this machine: renders `ctrl/`, creates secrets, then starts, reloads, restarts or stops
/// the hub and the local collectors, waiting for each to be healthy before the next step.
///
/// A failed step throws; what ran before it keeps running, and the error names the role's log.
public struct Reconciler: Sendable {
    public let spec: Spec
    /// Absolute, so processes find it whatever their working directory.
    public let specFile: String
    public let state: StateDirectory
    public let executable: String
    public let progress: ProgressLine
    public var hubDeadline: Duration = .seconds(30)
    public var collectorDeadline: Duration = .seconds(30)
    public var stopGrace: Duration = .seconds(10)

    public init(spec: Spec, specFile: String, state: StateDirectory, executable: String, progress: ProgressLine) {
        self.spec = spec
        self.specFile = specFile
        self.state = state
        self.executable = executable
        self.progress = progress
    }

    var hub: HubClient { HubClient(spec: spec, specFile: specFile, state: state) }

    /// Writes the rendered files that changed under `renderDir`.
    public func render(to renderDir: URL) throws {
        let files = Renderer.render(spec: spec, specFile: specFile, outDir: renderDir.path)
        do {
            let changed = try Renderer.write(files, to: renderDir)
            if changed.isEmpty {
                progress.skipped("render: \(renderDir.path)/ up to date (\(files.count) files)")
            } else {
                progress.done("render: wrote \(changed.count) of \(files.count) files in \(renderDir.path)/")
            }
        } catch {
            progress.failed("render: cannot write \(renderDir.path)/")
            throw ControllerError(
                "cannot write the rendered files to \(renderDir.path) (\(error)); "
                    + "check its permissions or pass --render-dir")
        }
    }

    /// Makes the CA and hub certificate of `hub.tls: auto` on the first apply, and a new hub certificate when the
    /// hub's addresses changed or it expires within 30 days (the CA stays, so collectors carry on).
    public static func ensureCertificates(_ spec: Spec, state: StateDirectory, progress: ProgressLine) throws {
        do {
            switch try HubCertificates.ensure(spec, state: state) {
            case .unchanged: break
            case .created:
                progress.done("tls: generated a CA and the hub's certificate in \(state.certificates.path)/ (keys in secrets/)")
            case .renewed(let why):
                progress.done("tls: issued a new hub certificate (\(why)); the hub restarts to serve it")
            }
        } catch {
            progress.failed("tls: cannot make the hub's certificates")
            throw ControllerError("cannot make the hub's CA and certificate in \(state.url.path) (\(error))")
        }
    }

    /// Creates the state folders and every missing generated token (0600), never printing a token.
    public func ensureSecrets() throws {
        for dir in [state.logs, state.run] {
            try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        }
        var created = try MachineTokens.ensureGenerated(for: spec, state: state).map { "\($0)'s token" }
        // The CLI's token for the hub's API, and (login on, nobody declared) the one-time admin link.
        if HubSecrets.apiToken(state: state) == nil {
            try HubSecrets.ensureAPIToken(state: state)
            created.append("the CLI's API token")
        }
        if spec.hub.auth.requiresLogin, spec.hub.auth.users.isEmpty, try HubSecrets.ensureLoginLink(state: state) != nil {
            progress.done("secrets: a one-time admin login link (printed at the end) in \(state.secrets.path)/")
        }
        if created.isEmpty {
            progress.skipped("secrets: every token present")
        } else {
            progress.done("secrets: generated \(created.joined(separator: ", ")) in \(state.secrets.path)/")
        }
    }

    /// Runs the plan's process actions: stops first, then the hub, then the collectors.
    public func execute(_ plan: Plan) async throws {
        for action in plan.actions where action.action == .stop {
            guard let role = action.controllerRole else { continue }
            await stop(role, because: action.reason)
        }
        let hubAction = plan.action(for: .hub)
        try await reconcileHub(hubAction, hash: plan.roleHashes[ControllerRole.hub.name] ?? "")
        for action in plan.actions {
            guard let role = action.controllerRole, case .collector(let id) = role else { continue }
            if action.action == .none && [.start, .restart].contains(hubAction) {
                try await awaitReconnect(id)
            } else {
                try await reconcileCollector(id, action: action.action, hash: plan.roleHashes[role.name] ?? "")
            }
        }
    }

    /// Does one action to the hub.
    func reconcileHub(_ action: RoleAction.Kind, hash: String) async throws {
        let record = PidRecord.read(state.pidFile(role: "hub"))
        switch action {
        case .none:
            progress.skipped("hub: up to date (pid \(record.map { String($0.pid) } ?? "?"), spec \(spec.hash))")
        case .reload:
            guard let record else {
                throw ControllerError("hub: no pid file in \(state.run.path); run smsctl apply again")
            }
            try await reloadHub(record)
        case .restart, .start:
            if action == .restart, let record { await stop(.hub, record: record) }
            try await startHub(hash: hash, verb: action == .restart ? "restarted" : "started")
        case .stop:
            await stop(.hub, because: "not declared")
        }
    }

    /// Does one action to a local collector (stops were done first).
    func reconcileCollector(_ id: String, action: RoleAction.Kind, hash: String) async throws {
        let role = ControllerRole.collector(id)
        let record = PidRecord.read(state.pidFile(role: role.name))
        switch action {
        case .none:
            progress.skipped("\(role): up to date (pid \(record.map { String($0.pid) } ?? "?"))")
        case .start, .restart:
            if action == .restart, let record { await stop(role, record: record) }
            try await startCollector(id, hash: hash, verb: action == .restart ? "restarted" : "started")
        case .reload, .stop:
            break
        }
    }
}
