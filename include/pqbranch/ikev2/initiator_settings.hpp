#pragma once
// What one initiator needs to run its exchanges, already loaded: proposals, identities,
// credentials (the PSK or the ECDSA key, certificate and CA) and traffic selectors.
// make_initiator_settings() builds it from a [[ikev2.peer]] (reading the PSK file, keys and
// certificates), so the exchanges never touch files.

#include <cstdint>
#include <memory>
#include <vector>

#include "pqbranch/config/ikev2_config.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/ip_address.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/certificates.hpp"
#include "pqbranch/ikev2/id_payload.hpp"

namespace pqbranch::ikev2 {

struct InitiatorSettings {
  std::vector<config::IkeProposal> proposals;
  config::EspProposal esp;  // the CHILD SA's; its key exchanges only in CREATE_CHILD_SA
  bool allow_classical = false;
  IdPayload local_id;   // IDi as sent
  IdPayload remote_id;  // the IDr the responder must present (initiator = false)
  config::IkeAuth auth = config::IkeAuth::psk;
  // auth = psk: one immutable zeroizing buffer that every copy of the settings shares (a
  // program starting the same peer again copies the settings, never the secret).
  std::shared_ptr<const core::SecureBytes> psk;
  std::shared_ptr<const EcdsaCredentials> ecdsa;  // auth = ecdsa
  std::vector<core::IpPrefix> local_ts;
  std::vector<core::IpPrefix> remote_ts;
  // NAT-T forced: our NAT_DETECTION_SOURCE_IP hash is made not to match (RFC 7296 §2.23
  // allows faking it), so both sides float to port 4500 and encapsulate ESP.
  bool force_encap = false;
  // RFC 7383: the largest IP packet a protected message may take before it is sent in SKF
  // fragments (when the responder announced FRAGMENTATION_SUPPORTED).
  std::uint16_t fragment_size = config::kDefaultFragmentSize;
};

// The ID payload of an identity: IP identities carry the address's bytes, the others the text.
[[nodiscard]] IdPayload id_payload(const config::IkeIdentity& id, bool initiator);

// Loads the credentials: the PSK file (0600/0400, trailing CR/LF stripped, not empty) or
// the ECDSA key, certificate and CA. Errors name the file.
core::Result<InitiatorSettings> make_initiator_settings(const config::Ikev2PeerSettings& peer);

}  // namespace pqbranch::ikev2
