//! Sequential creates of several clients under one parent, at once: every
//! create succeeds with its own name (a lost race on the parent's counter is
//! retried with the next name, never answered NODEEXISTS). Kafka's
//! AuthorizerTest.testHighConcurrencyModificationOfResourceAcls does this
//! with /kafka-acl-changes/acl_changes_.

mod common;

use std::collections::HashSet;

use common::{shared_single, zk};
use kafka_etcd::{Acl, CreateMode, ZkClient};

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_sequential_creates_of_several_clients_all_succeed() {
    let (first, _rx, chroot) = zk::chrooted(&shared_single().connect_string(), "seqrace").await;
    first.create("/changes", None, Acl::open_unsafe(), CreateMode::Persistent).await.unwrap();
    let mut clients = vec![first];
    for _ in 0..3 {
        let c = ZkClient::connect(&format!("{}{chroot}", shared_single().connect_string()), Default::default())
            .await
            .unwrap();
        clients.push(c);
    }
    let tasks: Vec<_> = clients
        .iter()
        .flat_map(|c| {
            (0..25).map(move |_| {
                let c = c.clone();
                tokio::spawn(async move {
                    c.create("/changes/change_", None, Acl::open_unsafe(), CreateMode::PersistentSequential).await
                })
            })
        })
        .collect();
    let mut names = HashSet::new();
    for t in tasks {
        let (name, _) = t.await.unwrap().expect("every sequential create succeeds");
        assert!(names.insert(name.clone()), "{name} given twice");
    }
    assert_eq!(names.len(), 100);
    let (children, _) = clients[0].get_children("/changes", false).await.unwrap();
    assert_eq!(children.len(), 100);
    for c in clients {
        c.close().await;
    }
}
