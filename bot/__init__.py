"""The MyNextSlot WhatsApp bot: webhook, conversation engine, flows, chat texts."""
