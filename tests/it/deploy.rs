//! The cluster manifests (deploy/k8s/) and job scripts (deploy/slurm/) against the real
//! command line: every pod's arguments parse with cwsim's own clap definitions, the
//! Indexed Job's completions match the N of its --shard, and the merge reads what the
//! shards write, on the volume they share.

use std::path::PathBuf;

use clap::Parser;
use cwsim::cli::{Cli, Command};
use cwsim::shard::ShardSpec;
use yaml_rust2::{Yaml, YamlLoader};

use crate::support::repo;

fn manifest(name: &str) -> Yaml {
    let text = std::fs::read_to_string(repo().join("deploy/k8s").join(name)).expect("read manifest");
    let mut docs = YamlLoader::load_from_str(&text).unwrap_or_else(|e| panic!("{name}: {e}"));
    assert_eq!(docs.len(), 1, "{name}: one document");
    docs.remove(0)
}

fn strings(y: &Yaml) -> Vec<String> {
    y.as_vec().expect("a list").iter().map(|v| v.as_str().expect("a string").to_string()).collect()
}

/// The pod's one container, its args, and the claim mounted at each mount path.
fn pod(job: &Yaml) -> (Vec<String>, Vec<(String, String)>) {
    assert_eq!(job["apiVersion"].as_str(), Some("batch/v1"));
    assert_eq!(job["kind"].as_str(), Some("Job"));
    let spec = &job["spec"]["template"]["spec"];
    assert_eq!(spec["restartPolicy"].as_str(), Some("Never"));
    let containers = spec["containers"].as_vec().expect("containers");
    assert_eq!(containers.len(), 1);
    let c = &containers[0];
    assert!(c["command"].is_badvalue(), "the image's entrypoint is cwsim: args only");
    let claims: Vec<(String, String)> = spec["volumes"]
        .as_vec()
        .expect("volumes")
        .iter()
        .map(|v| {
            (
                v["name"].as_str().unwrap().to_string(),
                v["persistentVolumeClaim"]["claimName"].as_str().unwrap().to_string(),
            )
        })
        .collect();
    let mounts = c["volumeMounts"]
        .as_vec()
        .expect("volumeMounts")
        .iter()
        .map(|m| {
            let name = m["name"].as_str().unwrap();
            let claim = claims.iter().find(|(n, _)| n == name).expect("mounted volume defined").1.clone();
            (m["mountPath"].as_str().unwrap().to_string(), claim)
        })
        .collect();
    (strings(&c["args"]), mounts)
}

/// A path inside the image, as it is in the repository (the Dockerfile copies scenarios/
/// to /opt/cwsim/scenarios).
fn in_repo(p: &std::path::Path) -> PathBuf {
    repo().join("scenarios").join(p.strip_prefix("/opt/cwsim/scenarios").expect("a bundled scenario"))
}

#[test]
fn the_indexed_sweep_job_and_the_merge_job_parse_with_the_cli_and_share_the_parts() {
    let claim = manifest("pvc.yaml");
    let claim_name = claim["metadata"]["name"].as_str().expect("claim name").to_string();
    assert_eq!(strings(&claim["spec"]["accessModes"]), ["ReadWriteMany"], "pods on several nodes share it");

    let job = manifest("sweep-job.yaml");
    assert_eq!(job["spec"]["completionMode"].as_str(), Some("Indexed"));
    let n = job["spec"]["completions"].as_i64().expect("completions") as u32;
    assert!(n >= 2);
    let (args, mounts) = pod(&job);
    assert!(args.iter().any(|a| a.contains("$(JOB_COMPLETION_INDEX)")), "{args:?}");
    let mut parts_dir = None;
    for k in 0..n {
        let argv: Vec<String> = std::iter::once("cwsim".to_string())
            .chain(args.iter().map(|a| a.replace("$(JOB_COMPLETION_INDEX)", &k.to_string())))
            .collect();
        let cli = Cli::try_parse_from(&argv).unwrap_or_else(|e| panic!("pod {k}: {e}"));
        let Command::Sweep(s) = cli.command else { panic!("pod {k}: not a sweep") };
        assert_eq!(s.shard, Some(ShardSpec { index: k, count: n }), "pod {k}: --shard must be {k}/{n}");
        assert!(in_repo(&s.scenario).is_file(), "{}", s.scenario.display());
        let out = s.out.expect("--out on the shared volume");
        assert!(mounts.iter().any(|(m, c)| out.starts_with(m) && *c == claim_name), "{}", out.display());
        parts_dir = Some(out);
    }

    let (args, mounts) = pod(&manifest("merge-job.yaml"));
    let argv: Vec<String> = std::iter::once("cwsim".to_string()).chain(args).collect();
    let Command::Merge(m) = Cli::try_parse_from(&argv).expect("merge args").command else { panic!("not a merge") };
    assert_eq!(m.parts, [parts_dir.unwrap()], "the merge reads the directory the shards write");
    assert!(mounts.iter().any(|(p, c)| m.out.starts_with(p) && *c == claim_name), "{}", m.out.display());

    let dockerfile = std::fs::read_to_string(repo().join("Dockerfile")).unwrap();
    assert!(
        dockerfile.contains("COPY scenarios /opt/cwsim/scenarios") && dockerfile.contains("ENTRYPOINT [\"cwsim\"]")
    );
}

#[test]
fn the_slurm_array_task_runs_its_own_shard() {
    let text = std::fs::read_to_string(repo().join("deploy/slurm/sweep.sbatch")).unwrap();
    assert!(text.contains("--shard \"$SLURM_ARRAY_TASK_ID/$SLURM_ARRAY_TASK_COUNT\""), "{text}");
    // The arguments it adds, with Slurm's values for task 2 of 4, parse as a sweep shard.
    let argv =
        ["cwsim", "sweep", "s.toml", "--set", "a.b=1,2", "--threads", "1", "--shard", "2/4", "--out", "p", "--quiet"];
    let Command::Sweep(s) = Cli::try_parse_from(argv).unwrap().command else { panic!() };
    assert_eq!(s.shard, Some(ShardSpec { index: 2, count: 4 }));
    let submit = std::fs::read_to_string(repo().join("deploy/slurm/submit.sh")).unwrap();
    assert!(submit.contains("--array=\"0-$((n - 1))\"") && submit.contains("--dependency=\"afterok:$array\""));
}
