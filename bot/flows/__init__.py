"""One module per journey. A step is a `transitions` callback taking the EventData; it reads the Dialogue
(event.model), calls services, and queues replies with dialogue.say(). No Flask, Twilio or HTTP here."""
