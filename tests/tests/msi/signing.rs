//! Authenticode: `ci/package.sh` signs the exe and the MSI with a throwaway code-signing certificate,
//! and `osslsigncode verify` accepts both.

use super::*;

/// Authenticode: `ci/package.sh` signs the exe inside the MSI and the MSI itself when given a PKCS#12
/// certificate (here a throwaway CA and code-signing certificate made with openssl), and `osslsigncode
/// verify` accepts both against that CA; a changed byte breaks the signature; `ci/package.sh sign` signs a
/// lone exe. The release workflow does the same with the real certificate from its secrets.
#[test]
fn package_signs_the_exe_and_the_msi_with_authenticode() {
    let test = "package_signs_the_exe_and_the_msi_with_authenticode";
    for tool in ["osslsigncode", "openssl", "wixl", "msibuild", "msiextract"] {
        if !on_path(tool) {
            skip(
                test,
                &format!("{tool} is missing (apt-get install osslsigncode openssl wixl msitools)"),
            );
            return;
        }
    }
    let dir = tempfile::tempdir().expect("temp dir");
    let pki = throwaway_code_signing(dir.path());
    let exe = dir.path().join("sunset-agent.exe");
    match Platform::X64.built_exe() {
        Some(real) => {
            fs::copy(real, &exe).expect("copy the exe");
        }
        None => {
            skip(
                test,
                "the x64 agent is not built (bash ci/windows.sh build): signing needs a real PE file",
            );
            return;
        }
    }
    let signing = |cmd: &mut Command| -> String {
        run_ok(
            cmd.env("SUNSET_SIGN_PKCS12", &pki.p12)
                .env("SUNSET_SIGN_PASSWORD_FILE", &pki.password)
                .env_remove("SUNSET_SIGN_PASSWORD")
                .env_remove("SUNSET_SIGN_TIMESTAMP_URL"),
        )
    };
    let out = dir.path().join("out");
    let printed = signing(
        Command::new("bash")
            .arg(workspace().join("ci/package.sh"))
            .arg("msi")
            .arg(&exe)
            .arg(&out),
    );
    let msi = PathBuf::from(printed.lines().last().expect("the MSI path"));
    let verify = |file: &Path| {
        run(Command::new("osslsigncode")
            .arg("verify")
            .arg("-CAfile")
            .arg(&pki.ca)
            .arg("-in")
            .arg(file))
    };
    let checked = verify(&msi);
    assert!(
        checked.ok,
        "the signed MSI does not verify:\n{}{}",
        checked.stdout, checked.stderr
    );
    assert!(
        checked.stdout.contains("Signature verification: ok"),
        "{}",
        checked.stdout
    );

    // The exe inside the MSI is signed too.
    let extracted = dir.path().join("extracted");
    fs::create_dir_all(&extracted).expect("mkdir");
    run_ok(
        Command::new("msiextract")
            .arg("-C")
            .arg(&extracted)
            .arg(&msi),
    );
    let inside = find_file(&extracted, "sunset-agent.exe").expect("sunset-agent.exe in the MSI");
    let checked = verify(&inside);
    assert!(
        checked.ok,
        "the exe inside the MSI does not verify:\n{}{}",
        checked.stdout, checked.stderr
    );
    assert!(
        checked.stdout.contains("Signer's certificate:") || checked.stdout.contains("Subject:")
    );

    // A lone exe, and a changed byte.
    let lone = dir.path().join("lone.exe");
    signing(
        Command::new("bash")
            .arg(workspace().join("ci/package.sh"))
            .arg("sign")
            .arg(&exe)
            .arg(&lone),
    );
    assert!(
        verify(&lone).ok,
        "ci/package.sh sign: the exe does not verify"
    );
    let mut bytes = fs::read(&lone).expect("read");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 0xff;
    fs::write(&lone, bytes).expect("write");
    assert!(!verify(&lone).ok, "a modified exe still verifies");
    assert!(!verify(&exe).ok, "the unsigned exe verifies");
    say(
        who(),
        &format!(
            "signed and verified {} and the exe inside it",
            msi.display()
        ),
    );
}

struct Pki {
    ca: PathBuf,
    p12: PathBuf,
    password: PathBuf,
}

/// A throwaway CA and a code-signing certificate it issued (EKU codeSigning), as PKCS#12.
fn throwaway_code_signing(dir: &Path) -> Pki {
    let at = |name: &str| dir.join(name);
    let openssl = |args: &[&str]| {
        run_ok(Command::new("openssl").args(args).current_dir(dir));
    };
    openssl(&[
        "req",
        "-x509",
        "-newkey",
        "rsa:3072",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.pem",
        "-days",
        "2",
        "-subj",
        "/CN=Sunset CI throwaway code-signing CA",
        "-addext",
        "basicConstraints=critical,CA:TRUE",
        "-addext",
        "keyUsage=critical,keyCertSign,cRLSign",
    ]);
    openssl(&[
        "req",
        "-newkey",
        "rsa:3072",
        "-nodes",
        "-keyout",
        "signer.key",
        "-out",
        "signer.csr",
        "-subj",
        "/CN=Sunset CI signer/O=Sunset",
    ]);
    fs::write(
        at("signer.ext"),
        "basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=codeSigning\n",
    )
    .expect("ext");
    openssl(&[
        "x509",
        "-req",
        "-in",
        "signer.csr",
        "-CA",
        "ca.pem",
        "-CAkey",
        "ca.key",
        "-CAcreateserial",
        "-out",
        "signer.pem",
        "-days",
        "2",
        "-extfile",
        "signer.ext",
    ]);
    fs::write(at("password"), "throwaway-password").expect("password");
    openssl(&[
        "pkcs12",
        "-export",
        "-inkey",
        "signer.key",
        "-in",
        "signer.pem",
        "-certfile",
        "ca.pem",
        "-out",
        "signer.p12",
        "-passout",
        "file:password",
    ]);
    Pki {
        ca: at("ca.pem"),
        p12: at("signer.p12"),
        password: at("password"),
    }
}

fn find_file(dir: &Path, name: &str) -> Option<PathBuf> {
    for entry in fs::read_dir(dir).ok()?.flatten() {
        let path = entry.path();
        if path.is_dir() {
            if let Some(found) = find_file(&path, name) {
                return Some(found);
            }
        } else if entry.file_name() == name {
            return Some(path);
        }
    }
    None
}
