//! The SSRF guard: which addresses the crawler may connect to.
//!
//! Registry entries are typed in by people, and a redirect can point anywhere, so by default
//! no request may reach a private, loopback, link-local or otherwise internal address. The
//! check runs in the DNS resolver reqwest uses (so the address checked is the address
//! connected to: no window for DNS rebinding) and, for URLs with an IP literal, which reqwest
//! connects to without resolving, before the request is made.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Error returned by the resolver when every address of a host is forbidden.
#[derive(Debug, thiserror::Error)]
#[error("{host} resolves only to non-public addresses ({ip}) / 目标地址为内网或本机地址")]
pub struct ForbiddenAddress {
    /// Host name that was resolved.
    pub host: String,
    /// First forbidden address seen.
    pub ip: IpAddr,
}

/// Whether `ip` is an address the crawler must not reach when private addresses are off.
pub fn is_forbidden_ip(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => forbidden_v4(v4),
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return forbidden_v4(v4);
            }
            forbidden_v6(v6)
        }
    }
}

fn forbidden_v4(ip: Ipv4Addr) -> bool {
    let [a, b, ..] = ip.octets();
    ip.is_private()
        || ip.is_loopback()
        || ip.is_link_local()
        || ip.is_unspecified()
        || ip.is_broadcast()
        || ip.is_documentation()
        || ip.is_multicast()
        || a == 0
        // 100.64.0.0/10 carrier-grade NAT, 198.18.0.0/15 benchmarking, 240.0.0.0/4 reserved.
        || (a == 100 && (64..128).contains(&b))
        || (a == 198 && (b == 18 || b == 19))
        || a >= 240
}

fn forbidden_v6(ip: Ipv6Addr) -> bool {
    let first = ip.segments()[0];
    ip.is_loopback()
        || ip.is_unspecified()
        || ip.is_multicast()
        // fc00::/7 unique local, fe80::/10 link-local, 2001:db8::/32 documentation.
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first == 0x2001 && ip.segments()[1] == 0x0db8)
}

/// reqwest resolver that drops forbidden addresses (and fails when none is left).
pub(crate) struct GuardedResolver {
    pub(crate) allow_private: bool,
}

impl Resolve for GuardedResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let allow_private = self.allow_private;
        Box::pin(async move {
            let addrs: Vec<SocketAddr> =
                tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
            if allow_private {
                return Ok(Box::new(addrs.into_iter()) as Addrs);
            }
            let allowed: Vec<SocketAddr> = addrs
                .iter()
                .copied()
                .filter(|a| !is_forbidden_ip(a.ip()))
                .collect();
            match (allowed.is_empty(), addrs.first()) {
                (true, Some(first)) => Err(Box::new(ForbiddenAddress {
                    host,
                    ip: first.ip(),
                })
                    as Box<dyn std::error::Error + Send + Sync>),
                _ => Ok(Box::new(allowed.into_iter()) as Addrs),
            }
        })
    }
}

/// Finds a [`ForbiddenAddress`] anywhere in an error's source chain.
pub(crate) fn find_forbidden<'a>(
    err: &'a (dyn std::error::Error + 'static),
) -> Option<&'a ForbiddenAddress> {
    let mut cur: Option<&'a (dyn std::error::Error + 'static)> = Some(err);
    while let Some(e) = cur {
        if let Some(f) = e.downcast_ref::<ForbiddenAddress>() {
            return Some(f);
        }
        cur = e.source();
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn resolver_refuses_names_of_loopback_hosts() {
        let name: Name = "localhost".parse().expect("name");
        let err = match (GuardedResolver {
            allow_private: false,
        })
        .resolve(name)
        .await
        {
            Ok(_) => panic!("loopback must be refused"),
            Err(e) => e,
        };
        assert!(find_forbidden(err.as_ref()).is_some(), "{err}");
        let name: Name = "localhost".parse().expect("name");
        let addrs = (GuardedResolver {
            allow_private: true,
        })
        .resolve(name)
        .await;
        assert!(addrs.expect("allowed").any(|a| a.ip().is_loopback()));
    }

    #[test]
    fn classifies_addresses() {
        for bad in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "::1",
            "fe80::1",
            "fd00::1",
            "::ffff:127.0.0.1",
        ] {
            assert!(is_forbidden_ip(bad.parse().expect("ip")), "{bad}");
        }
        for good in ["202.108.22.5", "8.8.8.8", "2400:da00::6666"] {
            assert!(!is_forbidden_ip(good.parse().expect("ip")), "{good}");
        }
    }
}
