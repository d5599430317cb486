import Services
import SMSCore
import Spec

extension Renderer {
    /// Where a machine's collector finds its token on that machine: the flag and the default location.
    struct TokenPlacement {
        /// `--token-file PATH` or `--token-env NAME`.
        let flag: String
        let value: String
        /// How to put the token there, for the script's header.
        let howTo: String
    }

    static func tokenPlacement(_ spec: Spec, _ machine: Machine) -> TokenPlacement {
        switch machine.token.source {
        case .env(let name):
            return TokenPlacement(flag: "--token-env", value: name, howTo: "export \(name) (the same value the hub has)")
        case .file(let path):
            return TokenPlacement(flag: "--token-file", value: "/etc/sms/\(machine.id).token",
                                  howTo: "copy \(path) from the hub's machine to /etc/sms/\(machine.id).token (mode 0600)")
        case .literal, .generated:
            return TokenPlacement(flag: "--token-file", value: "/etc/sms/\(machine.id).token",
                                  howTo: "copy .sms/\(spec.name)/secrets/\(machine.id).token from the hub's machine "
                                      + "to /etc/sms/\(machine.id).token (mode 0600); `smsctl collector-cmd \(machine.id)` says where it is")
        }
    }

    /// Where a rendered collector looks for the CA it verifies the hub against.
    static let caPath = "/etc/sms/ca.pem"

    /// How the CA gets to the machine, when its collector verifies the hub against one.
    static func caHowTo(_ spec: Spec) -> String? {
        switch spec.hub.tls {
        case .off: nil
        case .generated:
            "copy .sms/\(spec.name)/tls/ca.pem from the hub's machine to \(caPath) (smsctl apply generates it)"
        case .files(let files):
            files.ca.map { "copy \($0) from the hub's machine to \(caPath)" }
        }
    }

    /// The flags every rendered collector runs with (no secret among them).
    static func collectorFlags(_ spec: Spec, _ machine: Machine) -> [String] {
        var flags = ["--hub", "\(spec.hubHost(dialedBy: machine)):\(spec.hub.grpcPort)", "--machine", machine.id,
                     "--interval", machine.interval.description, "--buffer", machine.buffer.description]
        if Set(machine.metrics) != Set(MetricGroup.allCases) {
            flags += ["--metrics", machine.metrics.map(\.rawValue).joined(separator: ",")]
        }
        if let dir = machine.textfileDir { flags += ["--textfile-dir", dir] }
        flags += containerFlags(machine.containers ?? .default)
        switch spec.hub.tls {
        case .off: break
        case .generated: flags += ["--tls-ca", caPath]
        case .files(let files): flags += ["--tls-ca", files.ca == nil ? "system" : caPath]
        }
        return flags
    }

    /// The `containers` selection as collector flags; none for the defaults.
    static func containerFlags(_ selection: ContainerSelection) -> [String] {
        var flags: [String] = []
        if !selection.include.isEmpty { flags += ["--containers-include", selection.include.joined(separator: ",")] }
        if !selection.exclude.isEmpty { flags += ["--containers-exclude", selection.exclude.joined(separator: ",")] }
        if selection.max != ContainerSelection.defaultMax { flags += ["--containers-max", "\(selection.max)"] }
        if selection.services { flags.append("--services") }
        return flags
    }

    /// `ctrl/collectors/<id>.sh`: starts the lean collector natively if `sms-collector` is installed, else in Docker.
    static func collectorScript(_ spec: Spec, _ machine: Machine) -> String {
        let token = tokenPlacement(spec, machine)
        let flags = collectorFlags(spec, machine).map(shellQuote).joined(separator: " ")
        let isFile = token.flag == "--token-file"
        let ca = caHowTo(spec)
        var s = "#!/bin/sh\n" + banner("#", spec)
        s += """
            # The collector of machine \(machine.id) (\(machine.host)): run this on that machine.
            # Token: \(commentText(token.howTo)).
            # It is read at start, never passed on the command line or written here.

            """
        if let ca { s += "# CA: \(commentText(ca)); SMS_CA_FILE=PATH names another place.\n" }
        s += """
            set -eu
            MACHINE=\(shellQuote(machine.id))

            """
        if ca != nil {
            s += "CA_FILE=\"${SMS_CA_FILE:-\(caPath)}\"\n"
            s += "[ -r \"$CA_FILE\" ] || { echo \"$MACHINE: cannot read the hub's CA $CA_FILE\" >&2; exit 1; }\n"
        }
        if isFile {
            s += "TOKEN_FILE=\"${SMS_TOKEN_FILE:-\(token.value)}\"\n"
            s += "[ -r \"$TOKEN_FILE\" ] || { echo \"$MACHINE: cannot read the token file $TOKEN_FILE\" >&2; exit 1; }\n"
        } else {
            s += ": \"${\(token.value):?set \(token.value) to this machine's token}\"\n"
        }
        let nativeToken = isFile ? "--token-file \"$TOKEN_FILE\"" : "--token-env \(token.value)"
        s += """

            if command -v sms-collector >/dev/null 2>&1 && [ "${SMS_USE_DOCKER:-0}" != 1 ]; then
                # Native (scripts/install puts sms-collector in /usr/local/bin): buffer in /var/lib/sms when
                # writable, else ~/.sms.
                exec sms-collector \(flags.replacingOccurrences(of: shellQuote(caPath), with: "\"$CA_FILE\"")) \(nativeToken)
            fi

            # Docker, as the original sysmonstm: host network and the host's /proc and /sys, read-only.
            exec docker run -d --name "sms-collector-$MACHINE" --restart unless-stopped \\
                --network host --pid host \\
                -v /proc:/host/proc:ro -v /sys:/host/sys:ro -v /:/rootfs:ro \\
                -v "sms-buffer-$MACHINE:/var/lib/sms" \\

            """
        if ca != nil { s += "    -v \"$CA_FILE:\(caPath):ro\" \\\n" }
        if let dir = machine.textfileDir { s += "    -v \(shellQuote(dir)):\(shellQuote(dir)):ro \\\n" }
        if isFile {
            s += "    -v \"$TOKEN_FILE:/run/secrets/sms-token:ro\" \\\n"
            s += "    --entrypoint /usr/local/bin/sms-collector sms:latest \(flags) --token-file /run/secrets/sms-token \\\n"
        } else {
            s += "    -e \(token.value) \\\n"
            s += "    --entrypoint /usr/local/bin/sms-collector sms:latest \(flags) --token-env \(token.value) \\\n"
        }
        s += "    --proc-root /host/proc --sys-root /host/sys --rootfs /rootfs --buffer-dir /var/lib/sms/buffer\n"
        return s
    }

    /// `ctrl/collectors/<id>.service`: a hardened systemd unit; the token comes in as a systemd credential.
    static func systemdUnit(_ spec: Spec, _ machine: Machine) -> String {
        let token = tokenPlacement(spec, machine)
        let flags = collectorFlags(spec, machine).map(shellQuote).joined(separator: " ")
        let tokenArgs: String
        var credential = ""
        if token.flag == "--token-file" {
            credential = "LoadCredential=token:\(token.value)\n"
            tokenArgs = "--token-file ${CREDENTIALS_DIRECTORY}/token"
        } else {
            tokenArgs = "--token-env \(token.value)"
            credential = "# Set \(token.value) in /etc/sms/\(machine.id).env (mode 0600).\nEnvironmentFile=/etc/sms/\(machine.id).env\n"
        }
        return banner("#", spec) + """
            # Install: cp \(machine.id).service /etc/systemd/system/sms-collector.service && systemctl enable --now sms-collector
            # Token: \(commentText(token.howTo)).\(caHowTo(spec).map { "\n# CA: " + commentText($0) + "." } ?? "")
            [Unit]
            Description=sms collector for machine \(machine.id) (spec \(spec.name))
            After=network-online.target
            Wants=network-online.target

            [Service]
            \(credential)ExecStart=\(systemdEscape("/usr/local/bin/sms-collector \(flags)")) \(tokenArgs) --buffer-dir /var/lib/sms/buffer
            Restart=always
            RestartSec=2
            DynamicUser=yes
            StateDirectory=sms
            ProtectSystem=strict
            ProtectHome=yes
            NoNewPrivileges=yes
            PrivateTmp=yes
            MemoryMax=64M

            [Install]
            WantedBy=multi-user.target

            """
    }
}
