import Services
import SMSCore
import Foundation
import Spec

/// The deployment a controller command works on: the spec file, its state directory, and what was applied.
public struct ControllerTarget: Sendable {
    /// The spec file, absolute.
    public var specFile: String
    public var state: StateDirectory
    /// The spec file's model; nil when the file has errors (status and down still work from `applied`).
    public var spec: Spec?
    public var load: SpecLoadResult
    public var applied: AppliedState?
    /// Warnings found while resolving, for the command to print on stderr.
    public var notes: [String] = []

    /// The spec in force for talking to processes: what was applied (its ports run), else the file's.
    public var runningSpec: Spec? { applied?.spec ?? spec }

    /// Resolves the spec (given, or recorded in `--state-dir`, or `specs/home.yaml`) and its state directory.
    public static func resolve(spec given: String?, stateDir: String?) throws -> ControllerTarget {
        let path = try specPath(given: given, stateDir: stateDir)
        let absolute = URL(fileURLWithPath: path).standardizedFileURL.path
        let load = SpecLoader.load(file: path)
        let spec = load.hasErrors ? nil : load.spec
        let state: StateDirectory
        if let stateDir {
            state = StateDirectory(url: URL(fileURLWithPath: stateDir))
        } else if let spec {
            state = StateDirectory(specFile: absolute, specName: spec.name)
        } else if let found = appliedBeside(specFile: absolute) {
            state = found
        } else {
            let first = load.errors.first.map { "\($0)" } ?? "\(path): invalid"
            throw ControllerError(
                "\(first)\nno applied state was found beside it either; fix the spec (smsctl validate \(path))"
                    + " or pass --state-dir")
        }
        // An unreadable applied.json (written by another version) must not block apply: plan from scratch.
        var notes: [String] = []
        var applied: AppliedState?
        do {
            applied = try AppliedState.load(from: state)
        } catch {
            notes.append("warning: \(error); planning as if nothing was applied")
        }
        return ControllerTarget(
            specFile: absolute, state: state, spec: spec, load: load, applied: applied, notes: notes)
    }

    /// The spec file to use: the one given, the one recorded in `stateDir`, or `specs/home.yaml` here.
    public static func specPath(given: String?, stateDir: String?) throws -> String {
        if let given { return given }
        if let stateDir,
            let applied = try AppliedState.load(from: StateDirectory(url: URL(fileURLWithPath: stateDir)))
        {
            return applied.specFile
        }
        if FileManager.default.fileExists(atPath: "specs/home.yaml") { return "specs/home.yaml" }
        throw ControllerError(
            "no spec given and no specs/home.yaml here; pass the spec file (e.g. smsctl status specs/home.yaml)"
                + " or --state-dir of an applied deployment")
    }

    /// Finds `.sms/<name>/applied.json` beside the spec whose recorded spec file is this one.
    static func appliedBeside(specFile: String) -> StateDirectory? {
        let root = URL(fileURLWithPath: specFile).deletingLastPathComponent().appendingPathComponent(".sms")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: root.path)) ?? []
        for name in names.sorted() {
            let state = StateDirectory(url: root.appendingPathComponent(name))
            if let applied = try? AppliedState.load(from: state), applied.specFile == specFile { return state }
        }
        return nil
    }

    /// Where apply renders: `ctrl/` beside the `specs/` folder holding the spec, else beside the spec.
    public static func renderDirectory(specFile: String) -> URL {
        let dir = URL(fileURLWithPath: specFile).standardizedFileURL.deletingLastPathComponent()
        let base = dir.lastPathComponent == "specs" ? dir.deletingLastPathComponent() : dir
        return base.appendingPathComponent("ctrl")
    }
}
