"""The reward-hack subsystem: dialogues that game a stated score, and documents about reward hacks.

- `scoring`: the rules a dialogue's user states, the independent checks, and the whitelisted
  evaluator (`scoring.interpreter`) that judges code answers without executing them;
- `dialogues`: the `reward_hacks` / `reward_hacks_control` pairs, each proven by its scoring;
- `documents`: the `reward_hack_documents` corpus, one module per genre;
- `facts`: the reward hacks the documents teach (catalog in `data/facts.yaml`).
"""
