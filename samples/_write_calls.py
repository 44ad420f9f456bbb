"""Writes samples/calls/*.json from the conversations below (run once; the JSON is committed)."""

import json
from pathlib import Path

CALLS = [
    (
        "acme-2026-08-04-renewal",
        "acme",
        "Acme Logistics",
        "2026-08-04T15:00:00Z",
        "dana",
        "Renewal check-in",
        [
            (
                "rep",
                "Hi Maria, thanks for making time today. How is the team getting on with the dashboards?",
            ),
            ("customer", "Honestly it has been a rough quarter. Adoption dropped after the reorg."),
            ("rep", "Sorry to hear that. What changed for the sales floor?"),
            (
                "customer",
                "Half the managers stopped logging in. And finance flagged the renewal quote, it's way over what we budgeted.",
            ),
            ("rep", "Understood. Which part of the quote worried them most?"),
            (
                "customer",
                "The per-seat price. Gong quoted us almost thirty percent less for the same seats.",
            ),
            (
                "rep",
                "That's useful to know. Our pricing includes the coaching module, which they charge extra for.",
            ),
            ("customer", "Maybe, but our CFO will never sign off at that number."),
            ("rep", "Let me put together a revised proposal. I'll send it over by Friday."),
            (
                "customer",
                "Okay. Also, how do we get all of our call notes out into a spreadsheet? We may need them whatever happens.",
            ),
            ("rep", "You can export them from the admin page as CSV, I'll send the steps."),
            ("customer", "Thanks. Let's talk again next week."),
        ],
    ),
    (
        "acme-2026-09-18-escalation",
        "acme",
        "Acme Logistics",
        "2026-09-18T14:30:00Z",
        "dana",
        "Escalation call",
        [
            ("rep", "Hi Maria, I saw the ticket about the invoice. Thanks for jumping on a call."),
            (
                "customer",
                "We were charged twice for September and nobody has answered us in a week.",
            ),
            ("rep", "I'm really sorry. I've asked billing to refund the duplicate charge today."),
            (
                "customer",
                "To be frank, leadership has decided we're moving to another vendor when the contract ends.",
            ),
            ("rep", "I understand. Is there anything that would change that decision?"),
            (
                "customer",
                "Probably not. We need a full export of our recordings and transcripts before March.",
            ),
            ("rep", "Of course. I'll get you a bulk export and confirm the refund by Monday."),
            ("customer", "Fine. Please make sure the data is complete."),
        ],
    ),
    (
        "globex-2026-08-12-qbr",
        "globex",
        "Globex Retail",
        "2026-08-12T16:00:00Z",
        "sam",
        "Quarterly business review",
        [
            ("rep", "Good morning everyone, thanks for joining the quarterly review."),
            (
                "customer",
                "Morning! The team loves the new summary emails, reps read them every day.",
            ),
            (
                "rep",
                "That's great to hear. Win rates on your enterprise segment went up four points.",
            ),
            ("customer", "Yes, and onboarding new hires is much faster with the call library."),
            ("rep", "Would it help to roll it out to the customer success team as well?"),
            ("customer", "Definitely. Can you send a proposal for twenty more seats?"),
            ("rep", "Absolutely, I'll send the proposal by Thursday."),
            ("customer", "Perfect. Great work, really happy with the partnership."),
        ],
    ),
    (
        "globex-2026-10-02-expansion",
        "globex",
        "Globex Retail",
        "2026-10-02T17:00:00Z",
        "sam",
        "Expansion follow-up",
        [
            ("rep", "Hi Tom, following up on the proposal for customer success."),
            (
                "customer",
                "We reviewed it, looks good. Legal just needs the data processing addendum.",
            ),
            ("rep", "I'll send the addendum today. Anything else blocking signature?"),
            ("customer", "No, we should be able to sign next week. The team is excited."),
        ],
    ),
    (
        "initech-2026-08-20-discovery",
        "initech",
        "Initech Software",
        "2026-08-20T13:00:00Z",
        "lee",
        "Discovery call",
        [
            (
                "rep",
                "Thanks for taking the call, Peter. What prompted you to look at conversation intelligence?",
            ),
            (
                "customer",
                "We're evaluating a few tools. We trialled Chorus last year and it didn't stick.",
            ),
            ("rep", "What didn't work about it?"),
            (
                "customer",
                "Too much noise in the alerts. Also we're currently using Outreach for sequencing and need it to sync.",
            ),
            ("rep", "We sync with Outreach natively. What's your timeline?"),
            (
                "customer",
                "Budget is tight this year, so the price has to come down for us to move forward.",
            ),
            (
                "rep",
                "Understood. I'll prepare options at a few price points and send them by Wednesday.",
            ),
            ("customer", "Sounds good."),
        ],
    ),
    (
        "initech-2026-10-14-pricing",
        "initech",
        "Initech Software",
        "2026-10-14T13:00:00Z",
        "lee",
        "Pricing discussion",
        [
            ("rep", "Hi Peter, did you get a chance to look at the options?"),
            (
                "customer",
                "We did. Honestly price is not a problem anymore, the middle option works.",
            ),
            ("rep", "Great. Do you have questions about the rollout?"),
            ("customer", "How long does the integration with our CRM take?"),
            ("rep", "Usually two weeks. I'll send the implementation plan tomorrow."),
            (
                "customer",
                "Great, we're not cancelling the pilot, we want to extend it to the whole team.",
            ),
        ],
    ),
    (
        "umbrella-2026-09-03-support",
        "umbrella",
        "Umbrella Health",
        "2026-09-03T10:00:00Z",
        "dana",
        "Billing follow-up",
        [
            ("rep", "Hello Alice, I understand there's a question about the last invoice?"),
            (
                "customer",
                "Yes, why were we charged for forty seats when we only have thirty active users?",
            ),
            (
                "rep",
                "Let me check. The contract has a forty-seat minimum, but I can look into a true-down at renewal.",
            ),
            ("customer", "Can you also move us from annual to quarterly billing?"),
            ("rep", "I'll ask finance and get back to you by Tuesday."),
            ("customer", "Thanks. Otherwise the product works well for us."),
        ],
    ),
    (
        "hooli-2026-09-25-churn-risk",
        "hooli",
        "Hooli",
        "2026-09-25T18:00:00Z",
        "sam",
        "Account review",
        [
            ("rep", "Hi Gavin, thanks for the time. How are things on your side?"),
            ("customer", "Not great. We're winding down the sales team in Europe."),
            ("rep", "I'm sorry to hear that. What does it mean for your licences?"),
            (
                "customer",
                "We won't renew the European seats, and we're looking at Clari for forecasting anyway.",
            ),
            ("rep", "Would a smaller package make sense?"),
            ("customer", "Maybe. Send me something and I'll take a look, but no promises."),
            ("rep", "I'll send a reduced package by end of next week."),
        ],
    ),
    (
        "stark-2026-10-08-onboarding",
        "stark",
        "Stark Manufacturing",
        "2026-10-08T09:00:00Z",
        "lee",
        "Onboarding session",
        [
            ("rep", "Welcome aboard! Today we'll set up your recording integrations."),
            ("customer", "Great, we're excited to get started. The team has been asking for this."),
            ("rep", "First, connect your Zoom account from the integrations page."),
            ("customer", "Done. That was easy."),
            ("rep", "Next, invite your managers so they can review flagged calls."),
            ("customer", "Will do this afternoon. Thanks for the clear walkthrough."),
        ],
    ),
    (
        "wayne-2026-10-21-renewal",
        "wayne",
        "Wayne Media",
        "2026-10-21T15:00:00Z",
        "dana",
        "Renewal negotiation",
        [
            ("rep", "Hi Lucius, the renewal is coming up in December. Shall we go through it?"),
            (
                "customer",
                "Sure. We'd like to keep the same seats, but the increase is hard to justify.",
            ),
            ("rep", "The increase reflects the new coaching features."),
            ("customer", "We don't use coaching. Can you remove it and keep last year's price?"),
            ("rep", "I'll check with my manager and come back to you by Friday."),
            ("customer", "Thanks. We're happy with the core product."),
        ],
    ),
]


def main() -> None:
    out = Path(__file__).parent / "calls"
    out.mkdir(exist_ok=True)
    for name, customer, customer_name, when, rep, title, turns in CALLS:
        clock, utterances = 0.0, []
        for speaker, text in turns:
            length = round(0.4 * len(text.split()) + 0.6, 1)
            utterances.append(
                {
                    "speaker": speaker,
                    "start_s": round(clock, 1),
                    "end_s": round(clock + length, 1),
                    "text": text,
                }
            )
            clock += length + 0.8
        doc = {
            "customer_id": customer,
            "customer_name": customer_name,
            "occurred_at": when,
            "rep": rep,
            "title": title,
            "language": "en",
            "utterances": utterances,
        }
        (out / f"{name}.json").write_text(json.dumps(doc, indent=2) + "\n")


if __name__ == "__main__":
    main()
