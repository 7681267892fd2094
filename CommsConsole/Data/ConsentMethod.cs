namespace CommsConsole.Data;

/// <summary>How a person's consent for a channel was given or withdrawn.</summary>
public enum ConsentMethod { Import, Api, Form, DoubleOptIn, ReplyKeyword, UnsubscribeLink, Admin, Bounce }
