//! `TickLock`: exclusive while held, expires on its own, released only by its holder.

use std::time::Duration;

use govwatch::queue::{Queue, RedisLock, RedisQueueConfig, TickLock};

use crate::support::redis::test_redis;

#[tokio::test]
async fn local_lock_always_grants() {
    let lock = TickLock::Local;
    let a = lock
        .try_acquire("sweep", Duration::from_secs(1))
        .await
        .unwrap();
    let b = lock
        .try_acquire("sweep", Duration::from_secs(1))
        .await
        .unwrap();
    assert!(a.is_some() && b.is_some(), "one process: nobody to exclude");
    assert!(lock.release(&a.unwrap()).await.unwrap());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_lock_expiry_and_compare_and_delete_release() {
    let Some(redis) = test_redis("redis_lock_expiry_and_compare_and_delete_release") else {
        return;
    };
    // Two "processes", each with its own client.
    let first = TickLock::Redis(RedisLock::connect(&redis.url, &redis.prefix).unwrap());
    let second = TickLock::Redis(RedisLock::connect(&redis.url, &redis.prefix).unwrap());
    let ttl = Duration::from_millis(300);

    let a = first
        .try_acquire("sweep", ttl)
        .await
        .unwrap()
        .expect("free lock is granted");
    assert_eq!(a.name, "sweep");
    assert!(
        second.try_acquire("sweep", ttl).await.unwrap().is_none(),
        "held lock is refused"
    );
    assert!(
        second.try_acquire("other", ttl).await.unwrap().is_some(),
        "locks are per name"
    );

    // Released by its holder: free again at once.
    assert!(first.release(&a).await.unwrap());
    let b = second
        .try_acquire("sweep", ttl)
        .await
        .unwrap()
        .expect("released lock is granted");

    // Expiry: B's lock lapses, C takes it; B's late release must not delete C's lock.
    tokio::time::sleep(ttl + Duration::from_millis(150)).await;
    let c = first
        .try_acquire("sweep", Duration::from_secs(30))
        .await
        .unwrap()
        .expect("expired lock is granted");
    assert!(
        !second.release(&b).await.unwrap(),
        "a lapsed holder cannot release"
    );
    assert!(
        second.try_acquire("sweep", ttl).await.unwrap().is_none(),
        "C still holds it"
    );
    assert!(first.release(&c).await.unwrap());
    assert!(
        !first.release(&c).await.unwrap(),
        "releasing twice is a no-op"
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn redis_queue_lends_its_connections_to_a_lock() {
    let Some(redis) = test_redis("redis_queue_lends_its_connections_to_a_lock") else {
        return;
    };
    let queue = Queue::redis(
        RedisQueueConfig::new(&redis.url).with_prefix(&redis.prefix),
        super::fast_config(),
    )
    .await
    .unwrap();
    let Queue::Redis(queue) = queue else {
        unreachable!("asked for Redis")
    };
    let lock = TickLock::Redis(queue.lock());
    let guard = lock
        .try_acquire("reaper", Duration::from_secs(5))
        .await
        .unwrap()
        .unwrap();
    // The key lives under the queue's prefix.
    let keys = redis.keys();
    assert!(
        keys.contains(&format!("{}lock:reaper", redis.prefix)),
        "{keys:?}"
    );
    assert!(lock.release(&guard).await.unwrap());
}
