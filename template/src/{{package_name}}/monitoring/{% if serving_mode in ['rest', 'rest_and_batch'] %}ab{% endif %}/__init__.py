"""Champion/challenger analysis: which model answers better, on the outcomes that came back.

The service logs every served prediction with its request id and the variant that answered
(``challenger_mode=split``). Once the true outcomes are known (delayed labels), ``join`` pairs
them with the logged predictions, ``compare`` tests whether the challenger's quality differs
from the champion's more than chance would explain, and ``cli`` is the ``ab-test`` command.
"""
