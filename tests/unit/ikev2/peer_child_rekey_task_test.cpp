// The responder's CHILD SA rekey as we read and answer it (peer_child_rekey_task.hpp), on
// payloads built by hand: what is accepted, and which notify each refusal carries.
#include "pqbranch/ikev2/peer_child_rekey_task.hpp"

#include <cstdint>
#include <optional>
#include <vector>

#include <gtest/gtest.h>

#include "pqbranch/ikev2/child_sa_payloads.hpp"
#include "pqbranch/ikev2/nonce_payload.hpp"

namespace pqbranch::ikev2 {
namespace {

constexpr std::uint32_t kOurOut = 0xc0de0001;  // the responder's inbound SPI of our CHILD SA

config::EspProposal esp() {
  return config::parse_esp_proposal("aes256gcm16-x25519-ke1_mlkem768").value();
}

core::IpPrefix prefix(const char* text) {
  return core::IpPrefix::parse(text).value();
}

IkeSa with_child() {
  IkeSa sa;
  ChildSa c;
  c.inbound_spi = 0x100;
  c.outbound_spi = kOurOut;
  c.local_ts = {prefix("10.1.0.0/24")};
  c.remote_ts = {prefix("10.2.0.0/24")};
  sa.child = std::move(c);
  return sa;
}

NotifyPayload rekey_sa(std::uint32_t spi) {
  NotifyPayload n = make_notify(NotifyType::rekey_sa);
  n.protocol = ProtocolId::esp;
  n.spi = {static_cast<std::uint8_t>(spi >> 24), static_cast<std::uint8_t>(spi >> 16),
           static_cast<std::uint8_t>(spi >> 8), static_cast<std::uint8_t>(spi)};
  return n;
}

// The request as the responder sends it: its TSi is its own side.
std::vector<Payload> request(const config::EspProposal& offer, std::uint32_t replaced = kOurOut,
                             const char* its_ts = "10.2.0.0/24") {
  std::vector<Payload> p;
  p.emplace_back(rekey_sa(replaced));
  p.emplace_back(esp_sa_payload(0xabcd0001, offer));
  p.emplace_back(NoncePayload{std::vector<std::uint8_t>(32, 0x11)});
  if (offer.ke != KeMethod::none) {
    p.emplace_back(KePayload{offer.ke, std::vector<std::uint8_t>(32, 0x22)});
  }
  p.emplace_back(ts_payload(true, {prefix(its_ts)}));
  p.emplace_back(ts_payload(false, {prefix("10.1.0.0/24")}));
  return p;
}

std::optional<NotifyType> refusal(IkeSa& sa, const std::vector<Payload>& payloads) {
  auto r = accept_child_rekey(sa, esp(), payloads, 7);
  EXPECT_TRUE(r.has_value());
  if (!r || !*r) return std::nullopt;
  return (*r)->type;
}

TEST(PeerChildRekeyTask, OurProposalForOurChildSaIsAcceptedAndWaitsForAnSpi) {
  IkeSa sa = with_child();
  EXPECT_EQ(refusal(sa, request(esp())), std::nullopt);
  ASSERT_TRUE(sa.peer_rekey.has_value());
  EXPECT_TRUE(sa.peer_rekey->awaiting_spi);
  EXPECT_EQ(sa.peer_rekey->message_id, 7U);
  EXPECT_EQ(sa.peer_rekey->replaced, kOurOut);
  EXPECT_EQ(sa.peer_rekey->outbound_spi, 0xabcd0001U);
  EXPECT_EQ(sa.peer_rekey->followups, std::vector<KeMethod>{KeMethod::mlkem768});
  EXPECT_FALSE(peer_child_rekey_complete(sa));
}

TEST(PeerChildRekeyTask, EachRefusalCarriesItsNotifyAndLeavesNoRekey) {
  IkeSa sa = with_child();
  EXPECT_EQ(refusal(sa, request(esp(), 0x12345678)), NotifyType::child_sa_not_found);
  const auto without_addke = config::parse_esp_proposal("aes256gcm16-x25519").value();
  EXPECT_EQ(refusal(sa, request(without_addke)), NotifyType::no_proposal_chosen);
  auto other_ke = request(esp());
  std::get<KePayload>(other_ke[3]).method = KeMethod::ecp256;
  EXPECT_EQ(refusal(sa, other_ke), NotifyType::invalid_ke_payload);
  EXPECT_EQ(refusal(sa, request(esp(), kOurOut, "10.2.0.0/25")), NotifyType::ts_unacceptable);
  auto new_child = request(esp());
  new_child.erase(new_child.begin());  // no N(REKEY_SA): a second CHILD SA
  EXPECT_EQ(refusal(sa, new_child), NotifyType::no_additional_sas);
  EXPECT_FALSE(sa.peer_rekey.has_value());
}

TEST(PeerChildRekeyTask, AFollowUpWithAnotherLinkOrNoRekeyIsStateNotFound) {
  IkeSa sa = with_child();
  const std::vector<Payload> followup{
      KePayload{KeMethod::mlkem768, std::vector<std::uint8_t>(1184, 0x33)},
      make_notify(NotifyType::additional_key_exchange, {0x01})};
  auto none = answer_followup_ke(sa, followup);
  ASSERT_TRUE(none.has_value());
  ASSERT_EQ(none->size(), 1U);
  EXPECT_EQ(std::get<NotifyPayload>((*none)[0]).type, NotifyType::state_not_found);
  ASSERT_EQ(refusal(sa, request(esp())), std::nullopt);
  auto early = answer_followup_ke(sa, followup);  // before our CREATE_CHILD_SA answer
  ASSERT_TRUE(early.has_value());
  EXPECT_EQ(std::get<NotifyPayload>((*early)[0]).type, NotifyType::state_not_found);
}

TEST(PeerChildRekeyTask, TheFirstProposalOfferingOursIsChosenByNumber) {
  const auto without_addke = config::parse_esp_proposal("aes256gcm16-x25519").value();
  SaPayload offer = esp_sa_payload(0xabcd0001, without_addke);
  SaPayload ours = esp_sa_payload(0xabcd0002, esp());
  ours.proposals[0].number = 2;
  offer.proposals.push_back(ours.proposals[0]);
  const auto choice = select_esp_proposal(offer, esp());
  ASSERT_TRUE(choice.has_value());
  EXPECT_EQ(choice->number, 2);
  EXPECT_EQ(choice->spi, 0xabcd0002U);
  EXPECT_FALSE(select_esp_proposal(esp_sa_payload(0xabcd0001, without_addke), esp()));
}

}  // namespace
}  // namespace pqbranch::ikev2
