#include "pqbranch/config/ikev2_config.hpp"

#include "section_readers.hpp"

namespace pqbranch::config::detail {
namespace {

core::Result<std::string> text_of(const toml::node& node) {
  const auto* s = node.as_string();
  if (s == nullptr) return wrong_type("a string", node);
  return std::string(s->get());
}

// A string turned into a typed value by `parse` (proposals, identities).
template <class T, core::Result<T> (*Parse)(std::string_view)>
struct TextKind {
  using value_type = T;
  [[nodiscard]] core::Result<T> parse(const toml::node& node) const {
    auto text = text_of(node);
    if (!text) return text.error();
    return Parse(*text);
  }
};
using ProposalKind = TextKind<IkeProposal, parse_ike_proposal>;
using EspProposalKind = TextKind<EspProposal, parse_esp_proposal>;
using IdentityKind = TextKind<IkeIdentity, parse_ike_identity>;

// `psk = "..."` is read only to refuse it with a reason: agent.toml is often readable by more
// than root, so a secret never sits in it.
struct InlineSecretKind {
  using value_type = bool;
  [[nodiscard]] core::Result<bool> parse(const toml::node& /*node*/) const {
    return core::make_error(errc::invalid_value,
                            "inline pre-shared keys are refused: put the secret in a file "
                            "(mode 0600) and name that file in psk_file");
  }
};

Ikev2PeerSettings read_peer(TableReader t) {
  Ikev2PeerSettings p;
  const kind::Duration positive{.min = std::chrono::seconds{1}};
  p.name = t.required("name", kind::Text{});
  p.local_address = t.required("local_address", kind::Address{});
  p.remote_address = t.required("remote_address", kind::Address{});
  p.local_port = t.get("local_port", kind::Integer<std::uint16_t>{.min = 1}, p.local_port);
  p.local_natt_port =
      t.get("local_natt_port", kind::Integer<std::uint16_t>{.min = 1}, p.local_natt_port);
  p.local_id = t.required("local_id", IdentityKind{});
  p.remote_id = t.required("remote_id", IdentityKind{});
  p.auth =
      t.required("auth", kind::Choice<IkeAuth>{{{"psk", IkeAuth::psk}, {"ecdsa", IkeAuth::ecdsa}}});
  t.optional("psk", InlineSecretKind{});
  p.psk_file = t.get("psk_file", kind::Path{}, p.psk_file);
  p.certificate = t.get("certificate", kind::Path{}, p.certificate);
  p.private_key = t.get("private_key", kind::Path{}, p.private_key);
  p.ca = t.get("ca", kind::Path{}, p.ca);
  p.proposals = t.array("proposals", ProposalKind{}, p.proposals);
  p.allow_classical = t.get("allow_classical", kind::Boolean{}, p.allow_classical);
  p.mode = t.get(
      "mode",
      kind::Choice<TunnelMode>{{{"route", TunnelMode::route}, {"policy", TunnelMode::policy}}},
      p.mode);
  p.local_ts = t.required_array("local_ts", kind::Prefix{});
  p.remote_ts = t.required_array("remote_ts", kind::Prefix{});
  p.interface = t.get("interface", kind::Text{}, p.interface);
  p.if_id = t.get("if_id", kind::Integer<std::uint32_t>{}, p.if_id);
  p.reqid = t.required("reqid", kind::Integer<std::uint32_t>{});
  p.nat_traversal =
      t.get("nat_traversal",
            kind::Choice<NatMode>{{{"auto", NatMode::automatic}, {"force", NatMode::force}}},
            p.nat_traversal);
  p.rekey_time = t.get("rekey_time", positive, p.rekey_time);
  p.lifetime = t.get("lifetime", positive, p.lifetime);
  p.reauthenticate = t.get("reauthenticate", kind::Boolean{}, p.reauthenticate);
  p.child_rekey_time = t.get("child_rekey_time", kind::Duration{}, p.child_rekey_time);
  p.esp_proposal = t.get("esp_proposal", EspProposalKind{}, p.esp_proposal);
  p.retransmit_timeout =
      t.get("retransmit_timeout", kind::Duration{.min = std::chrono::milliseconds{100}},
            p.retransmit_timeout);
  p.retransmit_tries = t.get("retransmit_tries", kind::Integer<std::uint32_t>{.min = 1, .max = 10},
                             p.retransmit_tries);
  p.fragment_size = t.get("fragment_size", kind::Integer<std::uint16_t>{.min = kMinFragmentSize},
                          p.fragment_size);
  p.dpd_delay = t.get("dpd_delay", kind::Duration{}, p.dpd_delay);
  p.nat_keepalive = t.get("nat_keepalive", kind::Duration{}, p.nat_keepalive);
  return p;
}

}  // namespace

std::vector<Ikev2PeerSettings> read_ikev2(TableReader table) {
  std::vector<Ikev2PeerSettings> peers;
  for (auto& peer : table.tables("peer"))
    peers.push_back(read_peer(peer));
  return peers;
}

}  // namespace pqbranch::config::detail
