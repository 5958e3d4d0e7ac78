#pragma once
// The responder side of pqbranch's IKEv2 exchanges, built on the same codec and keymat, for
// tests: IKE_SA_INIT (with COOKIE, INVALID_KE_PAYLOAD, NO_PROPOSAL_CHOSEN and a responder that
// drops ML-KEM), IKE_INTERMEDIATE with ML-KEM, IKE_AUTH with PSK or ECDSA certificates and one
// ESP CHILD SA, CREATE_CHILD_SA rekeys of it with IKE_FOLLOWUP_KE (RFC 9370), INFORMATIONAL
// (Delete of the IKE SA or of a CHILD SA), and RFC 7383 fragmentation when enabled. handle() takes
// a request datagram and returns the response; receive() also takes fragments and answers with
// fragments; neither does I/O, so a test can run it in-process or behind a loopback socket.

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <span>
#include <vector>

#include "pqbranch/config/ikev2_config.hpp"
#include "pqbranch/core/clock.hpp"
#include "pqbranch/core/error.hpp"
#include "pqbranch/core/secure_bytes.hpp"
#include "pqbranch/ikev2/certificates.hpp"
#include "pqbranch/ikev2/child_keys.hpp"
#include "pqbranch/ikev2/fragment_reassembler.hpp"
#include "pqbranch/ikev2/ike_sa.hpp"

namespace pqbranch::test {

class FakeIkeResponder {
 public:
  struct Options {
    // What it accepts; it picks the initiator's first proposal that is in this list.
    std::vector<config::IkeProposal> accept;
    // Pretend not to know ML-KEM: choose the first proposal whose classical part is accepted,
    // without its ADDKE1 (what an old responder would do if it ignored the transform).
    bool drop_ml_kem = false;
    config::IkeAuth auth = config::IkeAuth::psk;
    std::vector<std::uint8_t> psk;
    ikev2::IdPayload id;  // IDr (initiator = false)
    std::shared_ptr<const ikev2::EcdsaCredentials> ecdsa;
    ikev2::Endpoints endpoints;  // its own view: local = responder, remote = initiator
    std::uint32_t esp_spi = 0xc0de0001;
    bool refuse_child = false;  // answer IKE_AUTH with N(NO_PROPOSAL_CHOSEN) after AUTH
    // Answer IKE_SA_INIT with N(COOKIE) this many times first (RFC 7296 §2.6), each cookie
    // `cookie_size` random bytes; the request after a cookie must carry it first, with the
    // Ni and KE of the request the cookie answered.
    unsigned cookie_rounds = 0;
    std::size_t cookie_size = 16;
    // RFC 7383: answer FRAGMENTATION_SUPPORTED, and send responses larger than
    // `fragment_size` (the whole IP packet, as the initiator's setting) in SKF fragments.
    bool fragmentation = false;
    std::uint16_t fragment_size = config::kDefaultFragmentSize;
    // CREATE_CHILD_SA: the ADDITIONAL_KEY_EXCHANGE link it sends (opaque, any length; the
    // initiator must echo it exactly), or a refusal with this notify instead.
    std::vector<std::uint8_t> followup_link{0x01};
    std::optional<ikev2::NotifyType> refuse_rekey;
    std::optional<ikev2::NotifyType> refuse_ike_rekey;  // a CREATE_CHILD_SA rekeying the IKE SA
    // Its own CHILD SA rekeys (rekey_request): the proposal it offers, whether it deletes the
    // replaced CHILD SA (or, after its own IKE SA rekey, the old IKE SA; after a collision it
    // lost, its redundant CHILD SA or IKE SA) once the rekey is done (strongSwan does at once), and
    // how long its inbound SA stays after that Delete is answered (strongSwan's
    // delete_rekeyed_delay).
    config::EspProposal rekey_esp;
    std::vector<core::IpPrefix> rekey_tsi;  // its own side
    std::vector<core::IpPrefix> rekey_tsr;
    bool delete_replaced = true;
    std::chrono::milliseconds delete_delay{5000};
    // The nonces of CHILD SA rekeys (empty: random): Ni of its own, Nr of its answers to the
    // initiator's; tests choose them to decide rekey collisions.
    std::vector<std::uint8_t> rekey_ni;
    std::vector<std::uint8_t> rekey_nr;
  };
  // One CHILD SA as the responder holds it.
  struct Child {
    std::uint32_t own_spi = 0;        // its inbound SPI: the initiator's outbound SA
    std::uint32_t initiator_spi = 0;  // the initiator's inbound SA
    ikev2::ChildKeys keys;            // initiator_to_responder: the IKE SA's initiator's
    // It made this one with its own rekey: it sends on it from then on.
    bool sends = false;
    // Its inbound SA is gone from then on (deleted after a rekey of its own).
    std::optional<core::Clock::time_point> gone_at;
  };
  using Datagrams = std::vector<std::vector<std::uint8_t>>;

  explicit FakeIkeResponder(Options options) : options_(std::move(options)) {}

  // An unprotected IKE_SA_INIT response to `request` carrying only `notify`: what a
  // responder sends to refuse, and what an on-path attacker can forge.
  static core::Result<std::vector<std::uint8_t>> unprotected_response(
      std::span<const std::uint8_t> request, ikev2::NotifyPayload notify);

  // The response to one request; an error when the request does not parse or verify.
  core::Result<std::vector<std::uint8_t>> handle(std::span<const std::uint8_t> request);
  // One datagram from the initiator, possibly an SKF fragment (reassembled under SK_ei; a
  // fragment that does not verify is an error and counted): nothing while a fragmented
  // request is incomplete, else the response's datagrams, fragmented when negotiated and
  // larger than fragment_size (`natt`: they go to port 4500 with the non-ESP marker). A
  // protected request repeating the last answered message ID gets the same datagrams again
  // (RFC 7296 §2.1; fragmented, on its fragment 1, RFC 7383 §2.6.1), as a real responder
  // does.
  core::Result<Datagrams> receive(std::span<const std::uint8_t> datagram, bool natt,
                                  core::Clock::time_point now);
  // A request of its own: INFORMATIONAL with `payloads` (e.g. a Delete), next message ID.
  core::Result<std::vector<std::uint8_t>> informational_request(
      std::vector<ikev2::Payload> payloads);
  // Opens a response from the initiator to its own request.
  core::Result<ikev2::OpenedMessage> open_response(std::span<const std::uint8_t> response);
  // Its own rekey of its newest CHILD SA (fake_ike_own_rekey.cpp): the CREATE_CHILD_SA
  // request with options().rekey_esp.
  core::Result<std::vector<std::uint8_t>> rekey_request();
  // Its own rekey of the IKE SA (fake_ike_own_rekey.cpp), as strongSwan makes it: the
  // CREATE_CHILD_SA request with the IKE proposal in use and its new SPI; once every key
  // exchange is answered, the successor (take_successor) holds the new IKE SA, of which it is
  // the original initiator, with the CHILD SAs, and this one deletes the old IKE SA.
  core::Result<std::vector<std::uint8_t>> ike_rekey_request();
  // A response from the initiator to its own request: the next request of its own rekey
  // (IKE_FOLLOWUP_KE, then the Delete of the replaced CHILD SA), if any.
  // Rekey collisions (RFC 7296 §2.8.1), as strongSwan resolves them: the initiator's rekey of
  // the CHILD SA its own rekey replaces, arriving while its CREATE_CHILD_SA is out, is
  // answered; the response to its CREATE_CHILD_SA decides. When its exchange has the lowest
  // nonce, it stops before its IKE_FOLLOWUP_KE, or with every key exchange done it deletes
  // the new CHILD SA (on which it never sent) instead of the replaced one; otherwise it drops
  // the initiator's exchange if IKE_FOLLOWUP_KEs are still to come, and goes on. Once its
  // IKE_FOLLOWUP_KEs have started, the initiator's rekey gets TEMPORARY_FAILURE. The same
  // for its own IKE SA rekey and the initiator's (RFC 7296 §2.8.2, as strongSwan's
  // ike_rekey): when its exchange has the lowest nonce it stops before its IKE_FOLLOWUP_KE,
  // or deletes its new IKE SA (a successor without the CHILD SAs) and lets the initiator's
  // take them; otherwise the initiator's new IKE SA, if complete, is a successor without
  // CHILD SAs that waits for the initiator's Delete, and its own goes on.
  core::Result<std::optional<std::vector<std::uint8_t>>> on_response(
      std::span<const std::uint8_t> response, core::Clock::time_point now);
  [[nodiscard]] std::size_t own_rekeys() const noexcept { return own_rekeys_; }
  // After an IKE SA rekey (fake_ike_rekey.cpp): the responder of the new IKE SA, holding the
  // CHILD SAs (this one stays for the old IKE SA's Delete); taken once. After an IKE SA rekey
  // collision (RFC 7296 §2.8.2) there are two: the redundant one holds no CHILD SA. Null when
  // none is left.
  std::unique_ptr<FakeIkeResponder> take_successor() {
    if (successors_.empty()) return nullptr;
    auto next = std::move(successors_.front());
    successors_.erase(successors_.begin());
    return next;
  }
  [[nodiscard]] const ikev2::Spi& spi_i() const noexcept { return spi_i_; }
  [[nodiscard]] std::size_t ike_rekeys() const noexcept { return ike_rekeys_; }  // of this one
  [[nodiscard]] std::size_t own_ike_rekeys() const noexcept { return own_ike_rekeys_; }
  // After its own IKE SA rekey, the successor is the IKE SA's original initiator.
  [[nodiscard]] bool original_initiator() const noexcept { return own_flags_ != 0; }
  [[nodiscard]] std::size_t own_rekey_refusals() const noexcept { return own_rekey_refusals_; }
  [[nodiscard]] std::size_t collisions_won() const noexcept { return collisions_won_; }
  [[nodiscard]] std::size_t collisions_lost() const noexcept { return collisions_lost_; }
  [[nodiscard]] bool own_rekey_running() const noexcept { return own_rekey_.has_value(); }
  // The error notify of the last refusal of its own rekey.
  [[nodiscard]] std::optional<ikev2::NotifyType> last_refusal() const noexcept {
    return last_refusal_;
  }

  [[nodiscard]] const Options& options() const noexcept { return options_; }
  [[nodiscard]] bool established() const noexcept { return established_; }
  [[nodiscard]] bool deleted() const noexcept { return deleted_; }
  [[nodiscard]] const std::optional<config::IkeProposal>& chosen() const noexcept {
    return chosen_;
  }
  [[nodiscard]] const ikev2::IkeKeys& keys() const noexcept { return keys_; }
  // The CHILD SA as the responder sees it: its inbound SPI is esp_spi, its outbound the
  // initiator's SPI.
  [[nodiscard]] std::uint32_t initiator_spi() const noexcept { return initiator_spi_; }
  [[nodiscard]] const std::optional<ikev2::ChildKeys>& child_keys() const noexcept {
    return child_keys_;
  }
  // Its live CHILD SA with inbound SPI `own_spi`, if any (rekeyed ones live until deleted),
  // at `now` (a CHILD SA it deleted after its own rekey lives until gone_at).
  [[nodiscard]] const Child* child(std::uint32_t own_spi) const;
  [[nodiscard]] const Child* child_at(std::uint32_t own_spi, core::Clock::time_point now) const;
  [[nodiscard]] const std::vector<Child>& all_children() const noexcept { return children_; }
  [[nodiscard]] std::size_t children() const noexcept { return children_.size(); }
  [[nodiscard]] std::size_t child_rekeys() const noexcept { return child_rekeys_; }
  [[nodiscard]] std::size_t followups() const noexcept { return followups_; }
  [[nodiscard]] std::size_t child_deletes() const noexcept { return child_deletes_; }
  [[nodiscard]] bool saw_initial_contact() const noexcept { return initial_contact_; }
  [[nodiscard]] std::size_t intermediate_exchanges() const noexcept { return intermediates_; }
  [[nodiscard]] unsigned cookies_sent() const noexcept { return cookies_sent_; }
  [[nodiscard]] bool fragmentation() const noexcept { return fragmentation_; }
  [[nodiscard]] std::size_t fragmented_requests() const noexcept { return fragmented_requests_; }
  [[nodiscard]] std::size_t fragmented_responses() const noexcept { return fragmented_responses_; }
  [[nodiscard]] std::size_t dropped_fragments() const noexcept { return dropped_fragments_; }

 private:
  core::Result<std::vector<std::uint8_t>> ike_sa_init(std::span<const std::uint8_t> request);
  core::Result<std::vector<std::uint8_t>> dispatch(const ikev2::OpenedMessage& request);
  core::Result<Datagrams> answer(const ikev2::OpenedMessage& request, bool natt);
  core::Result<std::vector<std::uint8_t>> intermediate(const ikev2::OpenedMessage& request);
  core::Result<std::vector<std::uint8_t>> ike_auth(const ikev2::OpenedMessage& request);
  core::Result<std::vector<std::uint8_t>> informational(const ikev2::OpenedMessage& request);
  // fake_ike_child_rekey.cpp
  core::Result<std::vector<std::uint8_t>> create_child_sa(const ikev2::OpenedMessage& request);
  core::Result<std::vector<std::uint8_t>> followup_ke(const ikev2::OpenedMessage& request);
  core::Result<std::vector<std::uint8_t>> finish_rekey(const ikev2::Header& request,
                                                       std::vector<ikev2::Payload> payloads);
  // fake_ike_rekey.cpp
  core::Result<std::vector<std::uint8_t>> ike_rekey(const ikev2::OpenedMessage& request);
  core::Result<void> finish_ike_rekey();
  void add_child(std::uint32_t own_spi, std::uint32_t initiator_spi, ikev2::ChildKeys keys);
  std::uint32_t next_own_spi() { return options_.esp_spi + (++own_spi_serial_ << 16); }
  core::Result<std::vector<std::uint8_t>> own_request(ikev2::ExchangeType exchange,
                                                      std::vector<ikev2::Payload> payloads);
  // fake_ike_own_rekey.cpp
  core::Result<std::optional<std::vector<std::uint8_t>>> own_rekey_step(
      const ikev2::OpenedMessage& response, core::Clock::time_point now);
  core::Result<std::optional<std::vector<std::uint8_t>>> own_rekey_done();
  // fake_ike_rekey.cpp: the successor after an IKE SA rekey of either side.
  struct RekeyedIkeSa {
    const core::SecureBytes& secret;      // SK(0)
    const core::SecureBytes& additional;  // SK(1) | ... | SK(n)
    std::vector<std::uint8_t> ni;         // of the rekey's initiator
    std::vector<std::uint8_t> nr;
    ikev2::Spi spi_i;  // the new SPIs, the rekey initiator's first
    ikev2::Spi spi_r;
    bool original_initiator = false;  // this fake initiated the rekey
    bool takes_children = true;       // false: the redundant one of a collision
  };
  // A rekey collision of the IKE SA decided by its own CREATE_CHILD_SA response (`lost`: its
  // exchange has the lowest nonce): what it then sends, if anything.
  core::Result<std::optional<std::vector<std::uint8_t>>> settle_ike_collision(bool lost);
  // The initiator's IKE SA rekey, complete while its own crossing one decides: its successor.
  [[nodiscard]] bool passive_ike_rekey_held() const noexcept;
  core::Result<void> finish_held_ike_rekey(bool takes_children);
  core::Result<void> make_successor(RekeyedIkeSa e);
  core::Result<std::vector<std::uint8_t>> seal_response(const ikev2::Header& request,
                                                        std::vector<ikev2::Payload> payloads,
                                                        std::vector<std::uint8_t>* octets);
  static core::Result<std::vector<std::uint8_t>> plain_error(const ikev2::Header& request,
                                                             ikev2::NotifyPayload notify);
  // Whether `m` answers the last cookie as RFC 7296 §2.6 requires.
  [[nodiscard]] bool returns_cookie(const ikev2::Message& m) const;

  Options options_;
  ikev2::Spi spi_i_{};
  ikev2::Spi spi_r_{};
  std::vector<std::uint8_t> ni_;
  std::vector<std::uint8_t> nr_;
  std::vector<std::uint8_t> init_request_;
  std::vector<std::uint8_t> init_response_;
  std::optional<config::IkeProposal> chosen_;
  ikev2::IkePrf prf_ = ikev2::IkePrf::hmac_sha384;
  ikev2::IkeKeys keys_;
  ikev2::IntAuth int_auth_{ikev2::IkePrf::hmac_sha384};
  std::uint64_t iv_ = 1000;
  std::uint32_t own_request_id_ = 0;
  bool established_ = false;
  bool deleted_ = false;
  bool initial_contact_ = false;
  std::size_t intermediates_ = 0;
  unsigned cookies_sent_ = 0;
  std::vector<std::uint8_t> cookie_;
  std::vector<std::uint8_t> cookie_ni_;  // Ni and KE data of the request the cookie answered
  std::vector<std::uint8_t> cookie_ke_;
  std::uint32_t initiator_spi_ = 0;
  std::optional<ikev2::ChildKeys> child_keys_;
  bool fragmentation_ = false;
  core::SecureBytes sealing_key_;  // the SK_er the last response was sealed with
  ikev2::FragmentReassembler reassembler_;
  std::optional<std::uint32_t> answered_id_;  // the last protected request answered
  Datagrams answered_;                        // and its response as sent
  std::size_t fragmented_requests_ = 0;
  std::size_t fragmented_responses_ = 0;
  std::size_t dropped_fragments_ = 0;
  // CHILD SAs and a rekey in progress
  struct Rekeying {
    std::uint32_t initiator_spi = 0;
    std::uint32_t own_spi = 0;
    std::vector<std::uint8_t> ni;
    std::vector<std::uint8_t> nr;
    core::SecureBytes secret;      // SK(0)
    core::SecureBytes additional;  // SK(1) | ... | SK(n)
    std::vector<ikev2::KeMethod> followups;
    std::optional<ikev2::Spi> ike_spi_i;  // set: an IKE SA rekey, with the new SPIs
    ikev2::Spi ike_spi_r{};
  };
  std::vector<Child> children_;
  std::optional<Rekeying> rekeying_;
  std::size_t child_rekeys_ = 0;
  std::size_t followups_ = 0;
  std::size_t child_deletes_ = 0;
  std::uint32_t own_spi_serial_ = 0;
  // Its own rekey in progress (fake_ike_own_rekey.cpp)
  struct OwnRekey {
    enum class Stage : std::uint8_t { create, followup, deleting };
    Stage stage = Stage::create;
    std::uint32_t replaced = 0;  // its inbound SPI of the CHILD SA it replaces
    std::uint32_t own_spi = 0;
    std::vector<std::uint8_t> ni;
    std::optional<ikev2::KeyExchange> ke;
    std::vector<std::uint8_t> nr;
    std::uint32_t initiator_spi = 0;
    core::SecureBytes secret;
    core::SecureBytes additional;
    std::vector<ikev2::KeMethod> followups;
    std::vector<std::uint8_t> link;
    std::optional<ikev2::Spi> ike_spi_i;  // set: a rekey of the IKE SA, its new SPI
    ikev2::Spi ike_spi_r{};               // and the initiator's, from the response
    // The initiator's rekey of the same CHILD SA (of the IKE SA, for its own rekey of the IKE
    // SA) answered meanwhile: its lower nonce.
    std::vector<std::uint8_t> crossed;
    bool lost = false;          // its exchange had the lowest nonce
    std::uint32_t deletes = 0;  // the CHILD SA its Delete names: replaced, or its lost one
  };
  std::optional<OwnRekey> own_rekey_;
  std::size_t own_ike_rekeys_ = 0;
  // The I flag of its messages: set once it is the original initiator (its own IKE SA rekey).
  std::uint8_t own_flags_ = 0;
  std::size_t own_rekeys_ = 0;
  std::size_t own_rekey_refusals_ = 0;
  std::size_t collisions_won_ = 0;
  std::size_t collisions_lost_ = 0;
  std::optional<ikev2::NotifyType> last_refusal_;
  std::vector<std::unique_ptr<FakeIkeResponder>> successors_;
  std::size_t ike_rekeys_ = 0;
};

}  // namespace pqbranch::test
